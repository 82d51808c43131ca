using LLama;
using LLama.Native;

namespace Atelier.Text.Sampling;

/// <summary>
/// Samples through the chain step by step so that the candidates left after its constraints (grammar, top-k, top-p,
/// min-p, temperature) can be read: the chosen token's log-probability and the most likely alternatives are taken
/// from that constrained distribution — what the sampler really drew from.
/// </summary>
internal sealed class LogProbRecorder(LLamaContext context, int alternatives)
{
    private readonly LLamaTokenData[] _buffer = new LLamaTokenData[context.Vocab.Count];

    public (LLamaToken Token, double? LogProb, IReadOnlyList<TokenAlternative> Alternatives) Sample(
        SafeLLamaSamplerChainHandle chain, int logitIndex)
    {
        var logits = context.NativeHandle.GetLogitsIth(logitIndex);
        var array = LLamaTokenDataArray.Create(logits, _buffer);
        LLamaToken chosen;
        LLamaTokenData[] candidates;
        using (LLamaTokenDataArrayNative.Create(array, out var native))
        {
            chain.Apply(ref native);
            var data = native.Data;
            chosen = data[(int)native.Selected].ID;
            candidates = data.ToArray();
        }
        chain.Accept(chosen);

        // Log-softmax over the candidates that survived; the constraints mark the rest with -infinity or drop them.
        double max = double.NegativeInfinity;
        foreach (var c in candidates) if (float.IsFinite(c.Logit)) max = Math.Max(max, c.Logit);
        double sum = 0;
        foreach (var c in candidates) if (float.IsFinite(c.Logit)) sum += Math.Exp(c.Logit - max);
        double logZ = max + Math.Log(sum);
        double chosenLogProb = double.NegativeInfinity;
        foreach (var c in candidates) if (c.ID == chosen && float.IsFinite(c.Logit)) chosenLogProb = c.Logit - logZ;

        var top = candidates.Where(c => float.IsFinite(c.Logit))
            .OrderByDescending(c => c.Logit).ThenBy(c => (int)c.ID)
            .Take(alternatives)
            .Select(c => new TokenAlternative((int)c.ID, Piece(c.ID), c.Logit - logZ))
            .ToList();
        return (chosen, chosenLogProb, top);
    }

    private string Piece(LLamaToken token)
    {
        Span<byte> buffer = stackalloc byte[256];
        var length = context.NativeHandle.TokenToSpan(token, buffer);
        return System.Text.Encoding.UTF8.GetString(buffer[..(int)Math.Min(length, (uint)buffer.Length)]);
    }
}
