namespace Atelier.Text.Training;

/// <summary>Hyper-parameters of a training run; saved with every checkpoint.</summary>
public sealed record TrainingOptions
{
    public int MaxSteps { get; init; } = 2000;
    public int BatchSize { get; init; } = 16;

    /// <summary>Tokens per training window; defaults to the model's context length.</summary>
    public int? SequenceLength { get; init; }

    /// <summary>Micro-batches whose gradients are summed before each optimizer step.</summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    public double LearningRate { get; init; } = 1e-3;
    public double MinLearningRate { get; init; } = 1e-4;
    public int WarmupSteps { get; init; } = 100;
    public double WeightDecay { get; init; } = 0.1;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.95;
    public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>Maximum global gradient norm; 0 disables clipping.</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>Steps between held-out evaluations (and at the last step); 0 disables them.</summary>
    public int EvalInterval { get; init; } = 250;

    public int EvalBatches { get; init; } = 8;
    public int SampleCount { get; init; } = 3;
    public int SampleTokens { get; init; } = 64;

    /// <summary>0 samples greedily.</summary>
    public double SampleTemperature { get; init; } = 0.8;

    public int SampleTopK { get; init; } = 40;

    /// <summary>Text each sample starts from (after <c>&lt;s&gt;</c>), cycled; none starts from <c>&lt;s&gt;</c> alone.</summary>
    public IReadOnlyList<string> SamplePrompts { get; init; } = [];

    /// <summary>Steps between checkpoints (one is always written at the end and on cancellation); 0: only then.</summary>
    public int CheckpointInterval { get; init; } = 500;

    public long Seed { get; init; } = 1337;

    /// <summary>Torch intra-op threads; defaults to <see cref="Environment.ProcessorCount"/>.</summary>
    public int? Threads { get; init; }

    public double LearningRateAt(int step)
    {
        if (step < WarmupSteps) return LearningRate * (step + 1) / WarmupSteps;
        var decaySteps = Math.Max(1, MaxSteps - WarmupSteps);
        var progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        return MinLearningRate + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (LearningRate - MinLearningRate);
    }

    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new ArgumentException($"Invalid training options: {message}.");
        }

        Require(MaxSteps > 0, "max steps must be positive");
        Require(BatchSize > 0 && GradientAccumulationSteps > 0, "batch size and accumulation must be positive");
        Require(SequenceLength is null or > 0, "sequence length must be positive");
        Require(LearningRate > 0 && MinLearningRate >= 0 && MinLearningRate <= LearningRate,
            "learning rates must satisfy 0 <= min <= max, max > 0");
        Require(WarmupSteps >= 0 && EvalInterval >= 0 && CheckpointInterval >= 0, "intervals must not be negative");
        Require(GradientClip >= 0 && WeightDecay >= 0, "clip and weight decay must not be negative");
        Require(Threads is null or > 0, "threads must be positive");
    }
}

/// <summary>Held-out loss, its perplexity, and a few generated samples.</summary>
public sealed record EvaluationResult(double Loss, double Perplexity, IReadOnlyList<string> Samples);

/// <summary>Reported after every optimizer step.</summary>
public sealed record TrainingProgress(
    int Step,
    int TotalSteps,
    double Loss,
    double LearningRate,
    double TokensPerSecond,
    TimeSpan Elapsed,
    TimeSpan Eta,
    EvaluationResult? Evaluation,
    string? CheckpointDirectory);

/// <summary>How a call to <see cref="TextTrainer.Train"/> ended.</summary>
public sealed record TrainingResult(
    int Step,
    bool Completed,
    double? LastLoss,
    EvaluationResult? LastEvaluation,
    string CheckpointDirectory);
