using static TorchSharp.torch;

namespace Atelier.Text.Training;

/// <summary>
/// Documents encoded as one token stream, each wrapped in <c>&lt;s&gt; … &lt;/s&gt;</c>; batches are windows of it.
/// </summary>
public sealed class TokenDataset
{
    private readonly int[] _tokens;

    public int Count => _tokens.Length;

    public TokenDataset(int[] tokens) => _tokens = tokens;

    public static TokenDataset Encode(IEnumerable<TextDocument> documents, ITextTokenizer tokenizer)
    {
        var tokens = new List<int>();
        foreach (var document in documents)
            tokens.AddRange(tokenizer.Encode(document.Text, addBos: true, addEos: true));
        return new TokenDataset([.. tokens]);
    }

    /// <summary>Inputs and next-token targets [offsets.Count, length] for windows starting at the given offsets.</summary>
    internal (Tensor Inputs, Tensor Targets) Batch(IReadOnlyList<int> offsets, int length)
    {
        var inputs = new long[offsets.Count * length];
        var targets = new long[offsets.Count * length];
        for (var row = 0; row < offsets.Count; row++)
        {
            var offset = offsets[row];
            for (var t = 0; t < length; t++)
            {
                inputs[row * length + t] = _tokens[offset + t];
                targets[row * length + t] = _tokens[offset + t + 1];
            }
        }
        return (tensor(inputs, [offsets.Count, length]), tensor(targets, [offsets.Count, length]));
    }

    /// <summary>Uniformly random window starts; needs <c>length + 1</c> tokens.</summary>
    internal int[] RandomOffsets(ref SplitMix64 random, int count, int length)
    {
        var range = Count - length;
        if (range <= 0)
            throw new InvalidOperationException(
                $"The training data has {Count} tokens; it needs more than the sequence length {length}.");
        var offsets = new int[count];
        for (var i = 0; i < count; i++) offsets[i] = (int)random.NextBelow((ulong)range);
        return offsets;
    }

    /// <summary>Evenly spaced window starts, so an evaluation always sees the same text.</summary>
    internal int[] SpreadOffsets(int count, int length)
    {
        var range = Math.Max(0, Count - length - 1);
        return Enumerable.Range(0, count).Select(i => count == 1 ? 0 : (int)((long)range * i / (count - 1))).ToArray();
    }
}

/// <summary>
/// A tiny generator whose whole state is one number, so a checkpoint can store it and a resumed run draws exactly
/// the batches the uninterrupted run would have.
/// </summary>
internal struct SplitMix64(ulong state)
{
    public ulong State { get; private set; } = state;

    public ulong Next()
    {
        var z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound) without modulo bias (Lemire's method).</summary>
    public ulong NextBelow(ulong bound)
    {
        var product = Math.BigMul(Next(), bound, out var low);
        if (low < bound)
        {
            var threshold = (0 - bound) % bound;
            while (low < threshold) product = Math.BigMul(Next(), bound, out low);
        }
        return product;
    }
}
