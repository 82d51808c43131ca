namespace Atelier.Text.Gguf;

/// <summary>The shape of a Llama-architecture model, as stored under the <c>llama.*</c> GGUF keys.</summary>
public sealed record LlamaHyperparameters(
    int VocabSize,
    int ContextLength,
    int EmbeddingLength,
    int BlockCount,
    int FeedForwardLength,
    int HeadCount,
    int HeadCountKv,
    float RmsEpsilon = 1e-5f,
    float RopeTheta = 10000f)
{
    public int HeadDim => EmbeddingLength / HeadCount;

    public int KvDim => HeadDim * HeadCountKv;

    /// <summary>Each tensor llama.cpp expects, with its PyTorch-order shape ([out, in] for projections).</summary>
    public IEnumerable<(string Name, long[] Shape)> TensorShapes()
    {
        yield return ("token_embd.weight", [VocabSize, EmbeddingLength]);
        for (int b = 0; b < BlockCount; b++)
        {
            yield return ($"blk.{b}.attn_norm.weight", [EmbeddingLength]);
            yield return ($"blk.{b}.attn_q.weight", [EmbeddingLength, EmbeddingLength]);
            yield return ($"blk.{b}.attn_k.weight", [KvDim, EmbeddingLength]);
            yield return ($"blk.{b}.attn_v.weight", [KvDim, EmbeddingLength]);
            yield return ($"blk.{b}.attn_output.weight", [EmbeddingLength, EmbeddingLength]);
            yield return ($"blk.{b}.ffn_norm.weight", [EmbeddingLength]);
            yield return ($"blk.{b}.ffn_gate.weight", [FeedForwardLength, EmbeddingLength]);
            yield return ($"blk.{b}.ffn_up.weight", [FeedForwardLength, EmbeddingLength]);
            yield return ($"blk.{b}.ffn_down.weight", [EmbeddingLength, FeedForwardLength]);
        }
        yield return ("output_norm.weight", [EmbeddingLength]);
        yield return ("output.weight", [VocabSize, EmbeddingLength]);
    }

    public long ParameterCount => TensorShapes().Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));

    public void Validate()
    {
        if (EmbeddingLength % HeadCount != 0) throw new ArgumentException($"embedding length {EmbeddingLength} is not divisible by {HeadCount} heads");
        if (HeadCount % HeadCountKv != 0) throw new ArgumentException($"{HeadCount} heads cannot be grouped over {HeadCountKv} key/value heads");
        if (HeadDim % 2 != 0) throw new ArgumentException($"head size {HeadDim} must be even for rotary positions");
        if (new[] { VocabSize, ContextLength, BlockCount, FeedForwardLength }.Any(v => v <= 0))
            throw new ArgumentException("vocabulary, context, block count and feed-forward length must be positive");
    }
}
