using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Atelier.Text.Training;

namespace Atelier.Cli.Commands;

/// <summary>
/// <c>atelier bench train</c>: training tokens/s of Atelier's TorchSharp trainer against the same model and step in
/// PyTorch (Debian's python3-torch), same threads, batch and sequence length, measured in the same run.
/// </summary>
public static class TrainBenchCommand
{
    public static Command Build()
    {
        var preset = new Option<string>("--preset") { Description = "Model size", DefaultValueFactory = _ => "small" };
        preset.AcceptOnlyFromAmong("tiny", "small", "base");
        var vocab = new Option<int>("--vocab") { Description = "Vocabulary size", DefaultValueFactory = _ => 6000 };
        var batch = new Option<int>("--batch") { Description = "Sequences per step", DefaultValueFactory = _ => 16 };
        var sequence = new Option<int>("--sequence") { Description = "Tokens per sequence", DefaultValueFactory = _ => 128 };
        var steps = new Option<int>("--steps") { Description = "Timed training steps per run", DefaultValueFactory = _ => 20 };
        var rounds = new Option<int>("--rounds") { Description = "Alternating runs of each side (the best is reported)", DefaultValueFactory = _ => 2 };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for both sides (default: all cores)" };
        var python = new Option<string>("--python") { Description = "Python with PyTorch", DefaultValueFactory = _ => "/usr/bin/python3" };
        var command = new Command("train", "Training tokens/s of Atelier (TorchSharp) against PyTorch")
        {
            preset, vocab, batch, sequence, steps, rounds, threads, python,
        };
        command.SetAction(parse =>
        {
            int threadCount = parse.GetValue(threads) ?? Environment.ProcessorCount;
            if (parse.GetValue(steps) < 2 || parse.GetValue(rounds) < 1) throw new UsageException("--steps must be at least 2 and --rounds at least 1");
            var script = Path.Combine(AtelierPaths.RepositoryRoot ?? ".", "bench", "pytorch_llama_train.py");
            if (!File.Exists(script)) throw new UsageException($"the PyTorch peer script is missing: {script}");
            var tokenizer = CharTokenizer.Build([string.Concat(Enumerable.Range(0x4E00, parse.GetValue(vocab) - 259).Select(c => (char)c))]);
            var config = TransformerConfig.Preset(parse.GetValue(preset)!, tokenizer.VocabSize, parse.GetValue(sequence));
            var options = new TrainingOptions
            {
                MaxSteps = parse.GetValue(steps), BatchSize = parse.GetValue(batch), SequenceLength = parse.GetValue(sequence),
                EvalInterval = 0, CheckpointInterval = 0, Threads = threadCount, WarmupSteps = 1,
            };
            double best = 0, peerBest = 0;
            string? torchVersion = null;
            for (int round = 0; round < parse.GetValue(rounds); round++)
            {
                best = Math.Max(best, Atelier(config, tokenizer, options));
                var (peer, version) = PyTorch(parse.GetValue(python)!, script, config, options, threadCount);
                peerBest = Math.Max(peerBest, peer);
                torchVersion = version;
            }
            var report = new
            {
                preset = parse.GetValue(preset), parameters = config.ParameterCount(), vocab = config.VocabSize,
                batch = options.BatchSize, sequence = options.SequenceLength, steps = options.MaxSteps, threads = threadCount,
                atelier_tokens_per_second = Math.Round(best, 1),
                pytorch_tokens_per_second = Math.Round(peerBest, 1),
                pytorch_version = torchVersion,
                ratio = Math.Round(best / peerBest, 3),
            };
            if (parse.GetValue(AtelierCli.JsonOption)) CliOutput.WriteJson(report);
            else Console.WriteLine($"{report.preset} ({report.parameters:N0} parameters), batch {report.batch}×{report.sequence}, {threadCount} threads: " +
                $"atelier {report.atelier_tokens_per_second:N0} tok/s, pytorch {report.pytorch_tokens_per_second:N0} tok/s, ratio {report.ratio:F3}");
            return 0;
        });
        return command;
    }

    private static double Atelier(TransformerConfig config, CharTokenizer tokenizer, TrainingOptions options)
    {
        var folder = Directory.CreateTempSubdirectory("atelier-bench-").FullName;
        try
        {
            var random = new Random(1);
            var data = new TokenDataset(Enumerable.Range(0, 200_000).Select(_ => random.Next(tokenizer.VocabSize)).ToArray());
            using var trainer = TextTrainer.Start(folder, config, tokenizer, options);
            double tokensPerSecond = 0;
            trainer.Train(data, null, new Reporter(p => tokensPerSecond = p.TokensPerSecond));
            return tokensPerSecond;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (double TokensPerSecond, string Version) PyTorch(string python, string script, TransformerConfig c, TrainingOptions o, int threads)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, "--vocab", $"{c.VocabSize}", "--context", $"{c.ContextLength}", "--dim", $"{c.Dim}",
                     "--layers", $"{c.Layers}", "--heads", $"{c.Heads}", "--kv-heads", $"{c.KvHeads}", "--ff", $"{c.FeedForwardDim}",
                     "--batch", $"{o.BatchSize}", "--sequence", $"{o.SequenceLength}", "--steps", $"{o.MaxSteps}", "--threads", $"{threads}" })
            start.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception) { throw new UsageException($"{python} not found (apt-get install python3-torch)"); }
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            var reason = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "no output";
            throw new UsageException($"the PyTorch peer failed ({reason}); it needs Debian's python3-torch (apt-get install python3-torch)");
        }
        using var json = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        return (json.RootElement.GetProperty("tokens_per_second").GetDouble(), json.RootElement.GetProperty("torch").GetString()!);
    }

    private sealed class Reporter(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
