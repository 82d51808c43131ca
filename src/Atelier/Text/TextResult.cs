namespace Atelier.Text;

/// <summary>One alternative the sampler considered for a position, with its log-probability after the constraints.</summary>
public sealed record TokenAlternative(int Id, string Text, double LogProb);

/// <summary>A generated token; <see cref="LogProb"/> and <see cref="Alternatives"/> are filled when log-probabilities were asked for.</summary>
public sealed record GeneratedToken(int Id, string Text, byte[] Bytes, double? LogProb, IReadOnlyList<TokenAlternative>? Alternatives);

/// <summary>Why generation ended: an end token or stop string, the token limit, or a completed grammar.</summary>
public static class FinishReason
{
    public const string Stop = "stop", Length = "length", Grammar = "grammar", Cancelled = "cancelled";
}

public sealed record TextTimings(double LoadMs, double PromptMs, int PromptTokens, double DecodeMs, int DecodedTokens, int GeneratedTokens)
{
    public double PromptTokensPerSecond => PromptMs > 0 ? PromptTokens / (PromptMs / 1000) : 0;
    public double DecodeTokensPerSecond => DecodeMs > 0 ? DecodedTokens / (DecodeMs / 1000) : 0;
}

public sealed record ModelIdentity(string Name, string Path, string Sha256);

/// <summary>Everything about one generation: the text, how it was made, and how to make it again.</summary>
public sealed record TextResult(
    string Prompt,
    string Text,
    IReadOnlyList<GeneratedToken> Tokens,
    string FinishReason,
    uint Seed,
    TextTimings Timings,
    ModelIdentity Model);

/// <summary>A piece of a streaming generation: the new text and the token that produced it.</summary>
public sealed record TextChunk(string Text, GeneratedToken Token);
