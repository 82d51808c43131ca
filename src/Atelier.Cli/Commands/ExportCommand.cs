using System.CommandLine;
using Atelier.Text.Gguf;
using Atelier.Text.Training;

namespace Atelier.Cli.Commands;

/// <summary><c>atelier export gguf CHECKPOINT OUT.gguf</c>: a trained checkpoint as a GGUF file llama.cpp runs.</summary>
public static class ExportCommand
{
    public static Command Build()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "A checkpoint folder written by atelier train text" };
        var output = new Argument<string>("output") { Description = "The .gguf file to write" };
        var type = new Option<string>("--type") { Description = "Weight type: f32, f16 or q8_0", DefaultValueFactory = _ => "f32" };
        type.AcceptOnlyFromAmong("f32", "f16", "q8_0");
        var name = new Option<string?>("--name") { Description = "Model name stored in the file (default: the checkpoint folder's name)" };
        var gguf = new Command("gguf", "Export a text checkpoint to GGUF") { checkpoint, output, type, name };
        gguf.SetAction(parse =>
        {
            var folder = parse.GetValue(checkpoint)!;
            if (!File.Exists(Path.Combine(folder, TextModelCheckpoint.ConfigFile)))
                throw new UsageException($"{folder} is not a checkpoint folder (no {TextModelCheckpoint.ConfigFile})");
            var ggmlType = parse.GetValue(type) switch { "f16" => GgmlType.F16, "q8_0" => GgmlType.Q8_0, _ => GgmlType.F32 };
            var path = parse.GetValue(output)!;
            GgufExport.Export(folder, path, ggmlType, parse.GetValue(name));
            var info = Models.ModelInfo.FromFile(Path.GetFileNameWithoutExtension(path), path, Models.ModelSource.Path);
            if (parse.GetValue(AtelierCli.JsonOption)) CliOutput.WriteJson(ModelsCommand.Describe(info));
            else Console.WriteLine($"wrote {path}: {ModelsCommand.Count(info.ParameterCount)} parameters, {info.Quantization}");
            return 0;
        });
        return new Command("export", "Export trained models to standard formats") { gguf };
    }
}
