using System.CommandLine;
using System.Diagnostics;
using Atelier.Models;
using Atelier.Text;
using LLama;
using LLama.Common;
using LLama.Sampling;
using Microsoft.Extensions.DependencyInjection;

namespace Atelier.Cli.Commands;

/// <summary>
/// <c>atelier bench text</c>: prompt-processing and decode speed of Atelier's full text path against LLamaSharp called
/// directly with the same model, settings and seed. Both are timed the same way from outside — a one-token run gives
/// the prompt cost, an N-token run minus it gives the decode cost — alternating A/B runs and taking medians.
/// </summary>
public static class TextBenchCommand
{
    public static Command Build(IServiceProvider services)
    {
        var model = new Option<string?>("--model", "-m") { Description = "Model name or path (default: the embedded model)" };
        var promptTokens = new Option<int>("--prompt-words") { Description = "Length of the prompt in words", DefaultValueFactory = _ => 120 };
        var tokens = new Option<int>("--tokens") { Description = "Tokens to generate per run", DefaultValueFactory = _ => 128 };
        var repeats = new Option<int>("--repeat") { Description = "Runs of each side (medians are reported)", DefaultValueFactory = _ => 5 };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for both sides (default: all cores)" };
        var command = new Command("text", "Tokens/s of Atelier's text path against LLamaSharp called directly")
        {
            model, promptTokens, tokens, repeats, threads,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(tokens) < 2) throw new UsageException("--tokens must be at least 2");
            if (parse.GetValue(repeats) < 1) throw new UsageException("--repeat must be at least 1");
            var catalog = services.GetRequiredService<ModelCatalog>();
            var (name, path, _) = catalog.Resolve(parse.GetValue(model));
            var options = new TextGenerationOptions
            {
                MaxTokens = parse.GetValue(tokens), Seed = 42, Threads = parse.GetValue(threads) ?? Environment.ProcessorCount,
                Context = 1024, Temperature = 0.8f,
            }.Validate();
            var prompt = string.Join(' ', Enumerable.Range(0, parse.GetValue(promptTokens)).Select(i => Words[i % Words.Length]));
            var result = Run(services.GetRequiredService<TextGenerator>(), path, prompt, options, parse.GetValue(repeats));
            var report = new
            {
                model = name, path, threads = options.Threads, prompt_tokens = result.PromptTokens, generated_tokens = options.MaxTokens,
                repeats = parse.GetValue(repeats),
                atelier = new { prompt_tokens_per_second = Math.Round(result.Atelier.Prompt, 1), decode_tokens_per_second = Math.Round(result.Atelier.Decode, 1) },
                llamasharp_direct = new { prompt_tokens_per_second = Math.Round(result.Direct.Prompt, 1), decode_tokens_per_second = Math.Round(result.Direct.Decode, 1) },
                ratio = new
                {
                    prompt = Math.Round(result.Atelier.Prompt / result.Direct.Prompt, 3),
                    decode = Math.Round(result.Atelier.Decode / result.Direct.Decode, 3),
                },
            };
            if (parse.GetValue(AtelierCli.JsonOption)) CliOutput.WriteJson(report);
            else
            {
                Console.WriteLine($"{name}: prompt {result.PromptTokens} tokens, decode {options.MaxTokens} tokens, {options.Threads} threads, medians of {parse.GetValue(repeats)}");
                Console.WriteLine($"  atelier            prompt {result.Atelier.Prompt,9:F1} tok/s   decode {result.Atelier.Decode,8:F1} tok/s");
                Console.WriteLine($"  llamasharp direct  prompt {result.Direct.Prompt,9:F1} tok/s   decode {result.Direct.Decode,8:F1} tok/s");
                Console.WriteLine($"  ratio              prompt {report.ratio.prompt,9:F3}         decode {report.ratio.decode,8:F3}");
            }
            return 0;
        });
        return command;
    }

    private sealed record Speeds(double Prompt, double Decode);

    private static (Speeds Atelier, Speeds Direct, int PromptTokens) Run(TextGenerator generator, string path, string prompt, TextGenerationOptions options, int repeats)
    {
        using var weights = LLamaWeights.LoadFromFile(new ModelParams(path) { GpuLayerCount = 0 });
        int promptTokens = weights.Tokenize(prompt, true, true, System.Text.Encoding.UTF8).Length;

        (double Seconds, int Tokens) Atelier(int maxTokens)
        {
            var clock = Stopwatch.StartNew();
            var r = generator.Generate(new TextRequest(path, prompt, options with { MaxTokens = maxTokens }));
            return (clock.Elapsed.TotalSeconds, r.Tokens.Count);
        }

        (double Seconds, int Tokens) Direct(int maxTokens)
        {
            var executor = new StatelessExecutor(weights, new ModelParams(path)
            {
                ContextSize = (uint)options.Context!, Threads = options.Threads, BatchThreads = options.Threads,
                BatchSize = 512, UBatchSize = 512,
            });
            var inference = new InferenceParams
            {
                MaxTokens = maxTokens,
                SamplingPipeline = new DefaultSamplingPipeline
                {
                    Temperature = options.Temperature, TopK = options.TopK, TopP = options.TopP, MinP = options.MinP,
                    RepeatPenalty = options.RepeatPenalty, PenaltyCount = options.RepeatLastN, Seed = options.Seed!.Value,
                },
            };
            var clock = Stopwatch.StartNew();
            int produced = 0;
            foreach (var _ in executor.InferAsync(prompt, inference).ToBlockingEnumerable()) produced++;
            return (clock.Elapsed.TotalSeconds, produced);
        }

        Atelier(options.MaxTokens);
        Direct(options.MaxTokens);
        var atelier = new List<Speeds>();
        var direct = new List<Speeds>();
        for (int i = 0; i < repeats; i++)
        {
            atelier.Add(Measure(Atelier(1), Atelier(options.MaxTokens)));
            direct.Add(Measure(Direct(1), Direct(options.MaxTokens)));
        }
        Speeds Measure((double Seconds, int Tokens) one, (double Seconds, int Tokens) full) =>
            new(promptTokens / one.Seconds, (full.Tokens - 1) / Math.Max(1e-9, full.Seconds - one.Seconds));
        Speeds Medians(List<Speeds> runs) => new(Median(runs.Select(r => r.Prompt)), Median(runs.Select(r => r.Decode)));
        return (Medians(atelier), Medians(direct), promptTokens);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static readonly string[] Words =
        "the painter mixed colour on a wooden board while rain fell over the quiet harbour and the boats".Split(' ');
}
