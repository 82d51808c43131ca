using System.Text.Json.Serialization;

namespace Atelier.Text.Training;

/// <summary>Shape of a Llama-architecture decoder; everything a GGUF export needs besides the weights.</summary>
public sealed record TransformerConfig
{
    public required int VocabSize { get; init; }
    public required int ContextLength { get; init; }
    public required int Dim { get; init; }
    public required int Layers { get; init; }
    public required int Heads { get; init; }

    /// <summary>Key/value heads; fewer than <see cref="Heads"/> gives grouped-query attention.</summary>
    public required int KvHeads { get; init; }

    public required int FeedForwardDim { get; init; }
    public double RmsNormEps { get; init; } = 1e-5;
    public double RopeTheta { get; init; } = 10000;

    [JsonIgnore]
    public int HeadDim => Dim / Heads;

    [JsonIgnore]
    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "small", "base"];

    /// <summary>
    /// Named sizes. <c>tiny</c> is for tests; <c>small</c> is about 3.2M parameters plus 512 per vocabulary entry
    /// (about 6M with a 6,000-character vocabulary); <c>base</c> about 14M plus 768 per entry (about 20M at 6,000).
    /// </summary>
    public static TransformerConfig Preset(string name, int vocabSize, int? contextLength = null)
    {
        var config = name.ToLowerInvariant() switch
        {
            "tiny" => Create(vocabSize, contextLength ?? 64, dim: 64, layers: 2, heads: 4, kvHeads: 2),
            "small" => Create(vocabSize, contextLength ?? 256, dim: 256, layers: 4, heads: 8, kvHeads: 8),
            "base" => Create(vocabSize, contextLength ?? 512, dim: 384, layers: 8, heads: 6, kvHeads: 6),
            _ => throw new ArgumentException(
                $"Unknown model preset '{name}'; expected one of: {string.Join(", ", PresetNames)}.", nameof(name)),
        };
        config.Validate();
        return config;
    }

    public static TransformerConfig Create(int vocabSize, int contextLength, int dim, int layers, int heads, int kvHeads) =>
        new()
        {
            VocabSize = vocabSize,
            ContextLength = contextLength,
            Dim = dim,
            Layers = layers,
            Heads = heads,
            KvHeads = kvHeads,
            FeedForwardDim = LlamaFeedForwardDim(dim),
        };

    /// <summary>Llama's hidden size: two thirds of 4·dim (keeps SwiGLU's three matrices at 8·dim² like a GELU MLP), rounded up to 32.</summary>
    public static int LlamaFeedForwardDim(int dim) => (8 * dim / 3 + 31) / 32 * 32;

    public long ParameterCount()
    {
        long d = Dim, kv = (long)KvHeads * HeadDim;
        var perLayer = d * d * 2 + d * kv * 2 + 3 * d * FeedForwardDim + 2 * d;
        return 2 * VocabSize * d + Layers * perLayer + d;
    }

    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new ArgumentException($"Invalid model configuration: {message}.");
        }

        Require(VocabSize > 0, "vocabulary size must be positive");
        Require(ContextLength > 0, "context length must be positive");
        Require(Layers > 0 && Dim > 0 && Heads > 0 && KvHeads > 0 && FeedForwardDim > 0, "sizes must be positive");
        Require(Dim % Heads == 0, $"dim {Dim} is not divisible by {Heads} heads");
        Require(HeadDim % 2 == 0, $"head size {HeadDim} must be even for rotary embeddings");
        Require(Heads % KvHeads == 0, $"{Heads} heads are not divisible into {KvHeads} key/value heads");
        Require(RmsNormEps > 0 && RopeTheta > 0, "rms eps and rope theta must be positive");
    }
}
