using static TorchSharp.torch;

namespace Atelier.Text.Training.Tests;

public sealed class LlamaModelTests
{
    private static readonly TransformerConfig Tiny = TransformerConfig.Preset("tiny", vocabSize: 50);

    public LlamaModelTests() => TorchSharpRuntime.EnsureLoaded();

    [Fact]
    public void Forward_gives_logits_per_position_and_counts_parameters()
    {
        using var model = new LlamaModel(Tiny, seed: 1);
        using var tokens = randint(0, 50, [2, 10], dtype: ScalarType.Int64);

        using var logits = model.forward(tokens);

        Assert.Equal([2L, 10L, 50L], logits.shape);
        Assert.Equal(Tiny.ParameterCount(), model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Attention_is_causal()
    {
        using var model = new LlamaModel(Tiny, seed: 1);
        using var a = tensor(new long[] { 1, 2, 3, 4, 5, 6 }, [1, 6]);
        using var b = tensor(new long[] { 1, 2, 3, 4, 9, 9 }, [1, 6]);

        using var logitsA = model.forward(a);
        using var logitsB = model.forward(b);

        Assert.True(logitsA[.., ..4].allclose(logitsB[.., ..4], rtol: 0, atol: 1e-6));
        Assert.False(logitsA[.., 4..].allclose(logitsB[.., 4..]));
    }

    [Fact]
    public void Same_seed_gives_same_weights()
    {
        using var first = new LlamaModel(Tiny, seed: 7);
        using var second = new LlamaModel(Tiny, seed: 7);

        Assert.All(first.parameters().Zip(second.parameters()), p => Assert.True(p.First.allclose(p.Second, rtol: 0, atol: 0)));
    }

    [Fact]
    public void Gguf_tensors_use_llama_cpp_names_and_row_major_out_by_in_shapes()
    {
        var config = Tiny with { KvHeads = 2 };
        using var model = new LlamaModel(config);

        var tensors = model.GgufTensors().ToDictionary(t => t.GgufName, t => t.Weight.shape);

        long d = config.Dim, ff = config.FeedForwardDim, kv = config.KvHeads * config.HeadDim;
        Assert.Equal(2 + 2 * 9 + 1, tensors.Count);
        Assert.Equal([50L, d], tensors["token_embd.weight"]);
        Assert.Equal([d], tensors["blk.1.attn_norm.weight"]);
        Assert.Equal([d, d], tensors["blk.1.attn_q.weight"]);
        Assert.Equal([kv, d], tensors["blk.1.attn_k.weight"]);
        Assert.Equal([kv, d], tensors["blk.1.attn_v.weight"]);
        Assert.Equal([d, d], tensors["blk.1.attn_output.weight"]);
        Assert.Equal([d], tensors["blk.0.ffn_norm.weight"]);
        Assert.Equal([ff, d], tensors["blk.0.ffn_gate.weight"]);
        Assert.Equal([ff, d], tensors["blk.0.ffn_up.weight"]);
        Assert.Equal([d, ff], tensors["blk.0.ffn_down.weight"]);
        Assert.Equal([d], tensors["output_norm.weight"]);
        Assert.Equal([50L, d], tensors["output.weight"]);
        Assert.All(model.GgufTensors(), t => Assert.Equal(ScalarType.Float32, t.Weight.dtype));
    }

    [Fact]
    public void Rotary_rotates_adjacent_pairs_like_llama_cpp()
    {
        const double theta = 10000;
        var (cos, sin) = Rotary.Tables(contextLength: 3, headDim: 4, theta);
        // Position 2 of a single head: unit vectors in dimension 0 and in dimension 2.
        var values = new float[3 * 2 * 4];
        values[2 * 8 + 0] = 1;
        values[2 * 8 + 4 + 2] = 1;
        using var x = tensor(values, [1, 3, 2, 4]);

        using var rotated = Rotary.Apply(x, cos, sin);
        var first = rotated[0, 2, 0].data<float>().ToArray();
        var second = rotated[0, 2, 1].data<float>().ToArray();

        // Dimension 0 turns into dimension 1 (not 2, as the half-split "NeoX" layout would), at angle pos·θ^0;
        // dimension 2 into dimension 3 at angle pos·θ^(-2/4).
        var a0 = 2.0;
        var a1 = 2.0 * Math.Pow(theta, -0.5);
        Assert.Equal(new[] { Math.Cos(a0), Math.Sin(a0), 0, 0 }, first.Select(v => (double)v), new Tolerance(1e-6));
        Assert.Equal(new[] { 0, 0, Math.Cos(a1), Math.Sin(a1) }, second.Select(v => (double)v), new Tolerance(1e-6));
        cos.Dispose();
        sin.Dispose();
    }

    [Fact]
    public void Greedy_generation_is_deterministic_and_stops_at_the_limit()
    {
        using var model = new LlamaModel(Tiny, seed: 3);

        var first = model.Generate([1, 5, 6], maxNewTokens: 8, temperature: 0, topK: 0, new Random(1));
        var second = model.Generate([1, 5, 6], maxNewTokens: 8, temperature: 0, topK: 0, new Random(2));
        var sampled = model.Generate([1], maxNewTokens: 100, temperature: 1, topK: 5, new Random(1));

        Assert.Equal(8, first.Count);
        Assert.Equal(first, second);
        Assert.Equal(100, sampled.Count);
        Assert.All(sampled, t => Assert.InRange(t, 0, 49));
    }

    [Fact]
    public void Presets_have_the_documented_sizes()
    {
        Assert.InRange(TransformerConfig.Preset("small", 6000).ParameterCount(), 5_500_000, 6_800_000);
        Assert.InRange(TransformerConfig.Preset("base", 6000).ParameterCount(), 18_000_000, 22_000_000);
        Assert.Throws<ArgumentException>(() => TransformerConfig.Preset("huge", 100));
        Assert.Throws<ArgumentException>(() => (Tiny with { KvHeads = 3 }).Validate());
    }

    private sealed class Tolerance(double epsilon) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;
        public int GetHashCode(double obj) => 0;
    }
}
