using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Atelier.Text.Training;

/// <summary>
/// Trains a <see cref="LlamaModel"/> with AdamW, linear warm-up then cosine decay, gradient clipping and
/// accumulation, and checkpoints that resume bit-for-bit.
/// </summary>
/// <remarks>
/// Determinism: weights start from a seeded private generator and the model has no dropout; batches come from a
/// <see cref="SplitMix64"/> whose state is checkpointed; evaluation windows are fixed and samples use their own
/// per-step <see cref="Random"/>. So N steps, a checkpoint, a resume and N more steps equal 2N uninterrupted steps.
/// </remarks>
public sealed class TextTrainer : IDisposable
{
    private readonly AdamW _optimizer;
    private readonly List<(string Name, Parameter Parameter)> _decayed;
    private readonly List<(string Name, Parameter Parameter)> _notDecayed;
    private SplitMix64 _sampler;

    public LlamaModel Model { get; }
    public ITextTokenizer Tokenizer { get; }
    public TrainingOptions Options { get; }
    public string Directory { get; }

    /// <summary>Optimizer steps taken so far.</summary>
    public int Step { get; private set; }

    private int SequenceLength => Math.Min(Options.SequenceLength ?? Model.Config.ContextLength, Model.Config.ContextLength);

    private TextTrainer(string directory, TransformerConfig config, ITextTokenizer tokenizer, TrainingOptions options)
    {
        options.Validate();
        if (tokenizer.VocabSize != config.VocabSize)
            throw new ArgumentException(
                $"The tokenizer has {tokenizer.VocabSize} tokens but the model's vocabulary is {config.VocabSize}.");
        TorchSharpRuntime.EnsureLoaded();
        torch.set_num_threads(options.Threads ?? Environment.ProcessorCount);
        // Nothing in training draws from torch's global generator today; seeding it keeps any future use reproducible.
        torch.manual_seed(options.Seed);

        Directory = directory;
        Tokenizer = tokenizer;
        Options = options;
        Model = new LlamaModel(config, options.Seed);
        _sampler = new SplitMix64((ulong)options.Seed);

        // Decay matrices only: shrinking norm gains towards zero would fight the normalisation.
        var named = Model.named_parameters().ToList();
        _decayed = named.Where(p => p.parameter.dim() >= 2).ToList();
        _notDecayed = named.Where(p => p.parameter.dim() < 2).ToList();
        _optimizer = torch.optim.AdamW(
            [
                new AdamW.ParamGroup(_decayed.Select(p => p.Parameter), options.LearningRate, options.Beta1,
                    options.Beta2, options.AdamEpsilon, options.WeightDecay, false, false),
                new AdamW.ParamGroup(_notDecayed.Select(p => p.Parameter), options.LearningRate, options.Beta1,
                    options.Beta2, options.AdamEpsilon, 0.0, false, false),
            ],
            options.LearningRate, options.Beta1, options.Beta2, options.AdamEpsilon, options.WeightDecay, false, false);
    }

    /// <summary>Starts a new run whose checkpoints go to <paramref name="directory"/>.</summary>
    public static TextTrainer Start(string directory, TransformerConfig config, ITextTokenizer tokenizer,
        TrainingOptions options) => new(directory, config, tokenizer, options);

    /// <summary>
    /// Continues the run checkpointed in <paramref name="directory"/>, with its saved options unless
    /// <paramref name="options"/> replaces them (e.g. to train for more steps).
    /// </summary>
    public static TextTrainer Resume(string directory, TrainingOptions? options = null)
    {
        var json = TextModelCheckpoint.ReadConfigJson(directory);
        var training = json["training"] as JsonObject
            ?? throw new InvalidDataException($"'{directory}' holds a model without training state; it cannot be resumed.");
        var config = TextModelCheckpoint.ReadConfig(directory);
        options ??= training["options"].Deserialize<TrainingOptions>(TextModelCheckpoint.Json)
            ?? throw new InvalidDataException($"'{directory}' has no saved training options.");
        var tokenizer = TextTokenizer.Load(Path.Combine(directory, TextTokenizer.FileName));

        var trainer = new TextTrainer(directory, config, tokenizer, options);
        try
        {
            trainer.Step = training["step"]!.GetValue<int>();
            trainer._sampler = new SplitMix64(ulong.Parse(training["sampler_state"]!.GetValue<string>(),
                NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            TextModelCheckpoint.LoadWeights(trainer.Model, Path.Combine(directory, TextModelCheckpoint.WeightsFile));
            OptimizerState.Load(trainer._optimizer, trainer.GroupOrder(),
                Path.Combine(directory, TextModelCheckpoint.OptimizerFile));
            MetricsLog.TruncateAfter(Path.Combine(directory, TextModelCheckpoint.MetricsFile), trainer.Step);
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
        return trainer;
    }

    /// <summary>
    /// Trains until <see cref="TrainingOptions.MaxSteps"/> or cancellation; either way the last state is checkpointed
    /// before returning.
    /// </summary>
    public TrainingResult Train(TokenDataset train, TokenDataset? heldOut = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var length = SequenceLength;
        var tokensPerStep = (long)Options.BatchSize * length * Options.GradientAccumulationSteps;
        var metrics = Path.Combine(Directory, TextModelCheckpoint.MetricsFile);
        System.IO.Directory.CreateDirectory(Directory);
        var clock = Stopwatch.StartNew();
        var trainingTime = TimeSpan.Zero;
        var stepsThisRun = 0;
        double? lastLoss = null;
        EvaluationResult? lastEvaluation = null;
        Model.train();

        while (Step < Options.MaxSteps)
        {
            if (cancellationToken.IsCancellationRequested)
                return Finish(completed: false);

            var stepStart = clock.Elapsed;
            var learningRate = Options.LearningRateAt(Step);
            foreach (var group in _optimizer.ParamGroups) group.LearningRate = learningRate;
            var loss = TrainStep(train, length);
            Step++;
            stepsThisRun++;
            lastLoss = loss;
            trainingTime += clock.Elapsed - stepStart;

            EvaluationResult? evaluation = null;
            if (heldOut is not null && Options.EvalInterval > 0 && (Step % Options.EvalInterval == 0 || Step == Options.MaxSteps))
                lastEvaluation = evaluation = Evaluate(heldOut);
            string? saved = null;
            if (Step == Options.MaxSteps || (Options.CheckpointInterval > 0 && Step % Options.CheckpointInterval == 0))
                saved = SaveCheckpoint();

            MetricsLog.Append(metrics, Step, loss, learningRate, evaluation);
            var perStep = trainingTime / stepsThisRun;
            progress?.Report(new TrainingProgress(Step, Options.MaxSteps, loss, learningRate,
                tokensPerStep * stepsThisRun / Math.Max(trainingTime.TotalSeconds, 1e-9), clock.Elapsed,
                perStep * (Options.MaxSteps - Step), evaluation, saved));
        }
        return Finish(completed: true);

        TrainingResult Finish(bool completed)
        {
            // The last step already checkpointed when the run completed.
            if (!completed || stepsThisRun == 0) SaveCheckpoint();
            return new TrainingResult(Step, completed, lastLoss, lastEvaluation, Directory);
        }
    }

    /// <summary>Loss and perplexity on fixed windows of <paramref name="heldOut"/>, plus generated samples.</summary>
    public EvaluationResult Evaluate(TokenDataset heldOut)
    {
        var loss = double.NaN;
        if (heldOut.Count >= 2)
        {
            var length = Math.Min(SequenceLength, heldOut.Count - 1);
            var offsets = heldOut.SpreadOffsets(Options.EvalBatches * Options.BatchSize, length);
            var wasTraining = Model.training;
            Model.eval();
            using (no_grad())
            {
                double total = 0;
                var batches = offsets.Chunk(Options.BatchSize).ToList();
                foreach (var batch in batches)
                {
                    using var scope = NewDisposeScope();
                    var (inputs, targets) = heldOut.Batch(batch, length);
                    total += Model.Loss(inputs, targets).item<float>() * batch.Length;
                }
                loss = total / offsets.Length;
            }
            Model.train(wasTraining);
        }
        return new EvaluationResult(loss, Math.Exp(loss), GenerateSamples());
    }

    /// <summary>Writes weights, optimizer state, tokenizer and config (with the training state) to <see cref="Directory"/>.</summary>
    public string SaveCheckpoint()
    {
        System.IO.Directory.CreateDirectory(Directory);
        OptimizerState.Save(_optimizer, GroupOrder(), Path.Combine(Directory, TextModelCheckpoint.OptimizerFile));
        var training = new JsonObject
        {
            ["step"] = Step,
            ["sampler_state"] = _sampler.State.ToString("x16", CultureInfo.InvariantCulture),
            ["options"] = JsonSerializer.SerializeToNode(Options, TextModelCheckpoint.Json),
        };
        TextModelCheckpoint.Save(Directory, Model, Tokenizer, training);
        return Directory;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        Model.Dispose();
    }

    private double TrainStep(TokenDataset train, int length)
    {
        using var scope = NewDisposeScope();
        _optimizer.zero_grad();
        double total = 0;
        for (var micro = 0; micro < Options.GradientAccumulationSteps; micro++)
        {
            var (inputs, targets) = train.Batch(train.RandomOffsets(ref _sampler, Options.BatchSize, length), length);
            var loss = Model.Loss(inputs, targets);
            // Averaging over micro-batches keeps the gradient scale independent of the accumulation count.
            (loss / Options.GradientAccumulationSteps).backward();
            total += loss.item<float>();
        }
        if (Options.GradientClip > 0)
            torch.nn.utils.clip_grad_norm_(Model.parameters(), Options.GradientClip);
        _optimizer.step();
        return total / Options.GradientAccumulationSteps;
    }

    private List<string> GenerateSamples()
    {
        // A fixed per-step seed (not HashCode, which is randomised per process) keeps samples reproducible.
        var random = new Random((int)((Options.Seed * 1_000_003 + Step) & int.MaxValue));
        var samples = new List<string>();
        for (var i = 0; i < Options.SampleCount; i++)
        {
            var prompt = Options.SamplePrompts.Count > 0 ? Options.SamplePrompts[i % Options.SamplePrompts.Count] : "";
            var ids = Tokenizer.Encode(prompt, addBos: true);
            var generated = Model.Generate(ids, Options.SampleTokens, Options.SampleTemperature, Options.SampleTopK,
                random, Tokenizer.Eos);
            samples.Add(prompt + Tokenizer.Decode(generated));
        }
        return samples;
    }

    private IEnumerable<(string Name, Parameter Parameter)> GroupOrder() => _decayed.Concat(_notDecayed);
}
