namespace Atelier.Text;

/// <summary>
/// How to generate: sampling settings, limits and constraints. Validated once, at the edge (CLI, HTTP, library call),
/// so that everything behind it can trust the values.
/// </summary>
public sealed record TextGenerationOptions
{
    public int MaxTokens { get; init; } = 256;
    public float Temperature { get; init; } = 0.8f;
    public int TopK { get; init; } = 40;
    public float TopP { get; init; } = 0.95f;
    public float MinP { get; init; } = 0.05f;
    public float RepeatPenalty { get; init; } = 1.1f;
    public int RepeatLastN { get; init; } = 64;
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>The sampling seed; null picks a random one, which the result reports so the output can be reproduced.</summary>
    public uint? Seed { get; init; }

    public int? Threads { get; init; }

    /// <summary>Context window in tokens; null uses the model's trained context length.</summary>
    public int? Context { get; init; }

    /// <summary>A GBNF grammar that every output must match (from a file or converted from a JSON schema).</summary>
    public string? Grammar { get; init; }

    /// <summary>How many alternatives to record per generated token (0 = no log-probabilities).</summary>
    public int LogProbs { get; init; }

    public const int MaxLogProbs = 20;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first out-of-range option.</summary>
    public TextGenerationOptions Validate()
    {
        Require(MaxTokens >= 1, "max-tokens", $"must be at least 1 (got {MaxTokens})");
        Require(Temperature >= 0 && float.IsFinite(Temperature), "temperature", $"must be 0 or more (got {Temperature})");
        Require(TopK >= 0, "top-k", $"must be 0 (off) or more (got {TopK})");
        Require(TopP > 0 && TopP <= 1, "top-p", $"must be in (0, 1] (got {TopP})");
        Require(MinP >= 0 && MinP <= 1, "min-p", $"must be in [0, 1] (got {MinP})");
        Require(RepeatPenalty > 0 && float.IsFinite(RepeatPenalty), "repeat-penalty", $"must be above 0 (got {RepeatPenalty})");
        Require(Threads is null or >= 1, "threads", $"must be at least 1 (got {Threads})");
        Require(Context is null or >= 8, "context", $"must be at least 8 tokens (got {Context})");
        Require(LogProbs is >= 0 and <= MaxLogProbs, "logprobs", $"must be between 0 and {MaxLogProbs} (got {LogProbs})");
        Require(Stop.All(s => s.Length > 0), "stop", "must not be empty");
        return this;
    }

    private static void Require(bool condition, string option, string message)
    {
        if (!condition) throw new ArgumentException($"--{option} {message}");
    }
}
