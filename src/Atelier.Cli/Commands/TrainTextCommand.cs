using System.CommandLine;
using Atelier.Text.Training;
using Spectre.Console;

namespace Atelier.Cli.Commands;

/// <summary>
/// <c>atelier train text --data SOURCE --out DIR</c>: trains a Llama-architecture model with TorchSharp, with a live
/// progress bar, held-out evaluation, checkpoints, resume, and Ctrl-C writing a checkpoint before it exits.
/// </summary>
public static class TrainTextCommand
{
    public static Command Build()
    {
        var data = new Option<string?>("--data") { Description = "A folder of .txt/.md files, a .jsonl file with a \"text\" field, or chinese-poetry" };
        var output = new Option<string>("--out", "-o") { Description = "Checkpoint folder", Required = true };
        var preset = new Option<string?>("--preset") { Description = "Model size: tiny, small (default) or base", };
        preset.AcceptOnlyFromAmong("tiny", "small", "base");
        var dim = new Option<int?>("--dim") { Description = "Embedding size (overrides the preset)" };
        var layers = new Option<int?>("--layers") { Description = "Transformer blocks (overrides the preset)" };
        var heads = new Option<int?>("--heads") { Description = "Attention heads (overrides the preset)" };
        var kvHeads = new Option<int?>("--kv-heads") { Description = "Key/value heads; fewer than --heads gives grouped-query attention" };
        var context = new Option<int?>("--context") { Description = "Context length (overrides the preset)" };
        var tokenizer = new Option<string>("--tokenizer") { Description = "char or bpe", DefaultValueFactory = _ => "char" };
        tokenizer.AcceptOnlyFromAmong("char", "bpe");
        var vocab = new Option<int?>("--vocab") { Description = "Vocabulary size (char: most frequent characters kept; bpe: total tokens)" };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps", DefaultValueFactory = _ => 2000 };
        var batch = new Option<int>("--batch") { Description = "Sequences per micro-batch", DefaultValueFactory = _ => 16 };
        var accumulate = new Option<int>("--accumulate") { Description = "Micro-batches per optimizer step", DefaultValueFactory = _ => 1 };
        var sequence = new Option<int?>("--sequence") { Description = "Tokens per training sequence (default: the context length)" };
        var learningRate = new Option<double>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => 1e-3 };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up steps", DefaultValueFactory = _ => 100 };
        var evalEvery = new Option<int>("--eval-every") { Description = "Steps between held-out evaluations", DefaultValueFactory = _ => 250 };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Steps between checkpoints", DefaultValueFactory = _ => 500 };
        var heldOut = new Option<double>("--held-out") { Description = "Share of documents held out for evaluation", DefaultValueFactory = _ => 0.01 };
        var seed = new Option<long>("--seed") { Description = "Seed for weights and batches", DefaultValueFactory = _ => 1337 };
        var threads = new Option<int?>("--threads") { Description = "CPU threads (default: all cores)" };
        var resume = new Option<bool>("--resume") { Description = "Continue the checkpoint in --out where it left off" };
        var simplified = new Option<bool>("--simplified") { Description = "chinese-poetry: convert traditional to simplified script (OpenCC tables)" };
        var ci = new Option<bool>("--ci") { Description = "chinese-poetry: include Song ci as well as Tang and Song shi" };
        var maxDocuments = new Option<int?>("--max-documents") { Description = "Use at most this many documents" };
        var prompts = new Option<string[]>("--sample-prompt") { Description = "Prompt for the samples shown at each evaluation (repeatable)" };

        var command = new Command("text", "Train a Llama-architecture text model with TorchSharp")
        {
            data, output, preset, dim, layers, heads, kvHeads, context, tokenizer, vocab, steps, batch, accumulate, sequence,
            learningRate, warmup, evalEvery, checkpointEvery, heldOut, seed, threads, resume, simplified, ci, maxDocuments, prompts,
        };
        command.SetAction((parse, cancellation) =>
        {
            var request = new TextTrainingRequest
            {
                Data = parse.GetValue(data),
                Output = parse.GetValue(output)!,
                Preset = parse.GetValue(preset),
                Dim = parse.GetValue(dim), Layers = parse.GetValue(layers), Heads = parse.GetValue(heads),
                KvHeads = parse.GetValue(kvHeads), Context = parse.GetValue(context),
                Tokenizer = parse.GetValue(tokenizer)!, Vocab = parse.GetValue(vocab),
                HeldOut = parse.GetValue(heldOut), Resume = parse.GetValue(resume),
                Simplified = parse.GetValue(simplified), IncludeCi = parse.GetValue(ci), MaxDocuments = parse.GetValue(maxDocuments),
                Options = new TrainingOptions
                {
                    MaxSteps = parse.GetValue(steps), BatchSize = parse.GetValue(batch),
                    GradientAccumulationSteps = parse.GetValue(accumulate), SequenceLength = parse.GetValue(sequence),
                    LearningRate = parse.GetValue(learningRate), MinLearningRate = parse.GetValue(learningRate) / 10,
                    WarmupSteps = parse.GetValue(warmup), EvalInterval = parse.GetValue(evalEvery),
                    CheckpointInterval = parse.GetValue(checkpointEvery), Seed = parse.GetValue(seed), Threads = parse.GetValue(threads),
                    SamplePrompts = parse.GetValue(prompts) ?? [],
                },
            };
            var json = parse.GetValue(AtelierCli.JsonOption);
            var result = json ? TextTrainingRun.Run(request, null, cancellation)
                : Console.IsErrorRedirected ? RunWithLogLines(request, cancellation)
                : RunWithProgress(request, cancellation);
            if (json) CliOutput.WriteJson(result);
            else
            {
                var e = result.Evaluation;
                Console.WriteLine($"{(result.Completed ? "finished" : "stopped")} at step {result.Step}: checkpoint in {result.Directory}" +
                    (e is null ? "" : $", held-out loss {e.Loss:F3} (perplexity {e.Perplexity:F1})"));
            }
            return Task.FromResult(result.Completed ? 0 : 130);
        });
        return command;
    }

    /// <summary>Without a terminal: a plain line per tenth of the run and per evaluation, and nothing before training starts.</summary>
    private static TextTrainingSummary RunWithLogLines(TextTrainingRequest request, CancellationToken cancellation)
    {
        int every = Math.Max(1, request.Options.MaxSteps / 10);
        var progress = new SynchronousProgress<TrainingProgress>(p =>
        {
            if (p.Step == 1 || p.Step % every == 0 || p.Step == p.TotalSteps)
                Console.Error.WriteLine($"step {p.Step}/{p.TotalSteps} loss {p.Loss:F3} {p.TokensPerSecond:N0} tok/s ETA {p.Eta:hh\\:mm\\:ss}");
            if (p.Evaluation is { } e)
                Console.Error.WriteLine($"step {p.Step}: held-out loss {e.Loss:F3}, perplexity {e.Perplexity:F1}");
        });
        return TextTrainingRun.Run(request, progress, cancellation);
    }

    private static TextTrainingSummary RunWithProgress(TextTrainingRequest request, CancellationToken cancellation)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        TextTrainingSummary? summary = null;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("preparing data", maxValue: request.Options.MaxSteps);
                var progress = new SynchronousProgress<TrainingProgress>(p =>
                {
                    task.Value = p.Step;
                    task.Description = $"step {p.Step}/{p.TotalSteps} loss {p.Loss:F3} {p.TokensPerSecond:N0} tok/s ETA {p.Eta:hh\\:mm\\:ss}";
                    if (p.Evaluation is { } e)
                    {
                        console.MarkupLine($"[grey]step {p.Step}: held-out loss {e.Loss:F3}, perplexity {e.Perplexity:F1}[/]");
                        foreach (var sample in e.Samples) console.WriteLine("  " + sample.ReplaceLineEndings(" / "));
                    }
                });
                summary = TextTrainingRun.Run(request, progress, cancellation, note => task.Description = note);
            });
        return summary!;
    }

    /// <summary>Reports on the training thread, so the bar moves even though no synchronization context pumps events.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
