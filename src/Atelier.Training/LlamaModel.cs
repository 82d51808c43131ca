using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Atelier.Text.Training;

/// <summary>
/// A decoder-only transformer of the Llama architecture, laid out so that every weight maps 1:1 onto a llama.cpp
/// GGUF tensor without reordering.
/// </summary>
/// <remarks>
/// Module names follow Meta's reference implementation (<c>layers.N.attention.wq.weight</c>, ...); they are the names
/// used in safetensors checkpoints. <see cref="GgufTensors"/> gives the llama.cpp names.
/// </remarks>
public sealed class LlamaModel : Module<Tensor, Tensor>
{
    private readonly Embedding _embedding;
    private readonly ModuleList<TransformerBlock> _layers;
    private readonly RmsNorm _norm;
    private readonly Linear _output;
    private readonly Tensor _ropeCos;
    private readonly Tensor _ropeSin;

    public TransformerConfig Config { get; }

    // Runs before the base constructor's first native call.
    static LlamaModel() => TorchSharpRuntime.EnsureLoaded();

    /// <param name="seed">Seeds a private generator for the initial weights, independent of torch's global one.</param>
    public LlamaModel(TransformerConfig config, long seed = 0) : base(nameof(LlamaModel))
    {
        config.Validate();
        Config = config;
        _embedding = Embedding(config.VocabSize, config.Dim);
        _layers = ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new TransformerBlock(config)).ToArray());
        _norm = new RmsNorm(config.Dim, config.RmsNormEps);
        _output = Linear(config.Dim, config.VocabSize, hasBias: false);
        register_module("tok_embeddings", _embedding);
        register_module("layers", _layers);
        register_module("norm", _norm);
        register_module("output", _output);
        (_ropeCos, _ropeSin) = Rotary.Tables(config.ContextLength, config.HeadDim, config.RopeTheta);
        InitializeWeights(seed);
    }

    /// <summary>Token ids [batch, time] to logits [batch, time, vocab].</summary>
    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var length = tokens.shape[1];
        if (length > Config.ContextLength)
            throw new ArgumentException($"Sequence of {length} tokens exceeds the context length {Config.ContextLength}.");

        var cos = _ropeCos.narrow(0, 0, length);
        var sin = _ropeSin.narrow(0, 0, length);
        var x = _embedding.forward(tokens);
        foreach (var layer in _layers)
            x = layer.forward(x, cos, sin);
        return _output.forward(_norm.forward(x)).MoveToOuterDisposeScope();
    }

    /// <summary>Mean next-token cross-entropy of <paramref name="tokens"/> against <paramref name="targets"/>.</summary>
    public Tensor Loss(Tensor tokens, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var logits = forward(tokens);
        return functional.cross_entropy(logits.view(-1, Config.VocabSize), targets.view(-1)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Continues <paramref name="prompt"/> by up to <paramref name="maxNewTokens"/> tokens: greedy when
    /// <paramref name="temperature"/> is 0, otherwise sampled from the top <paramref name="topK"/> with
    /// <paramref name="random"/> (kept outside torch so that sampling never disturbs training randomness).
    /// </summary>
    public List<int> Generate(IReadOnlyList<int> prompt, int maxNewTokens, double temperature, int topK, Random random,
        int? stopToken = null)
    {
        var tokens = prompt.ToList();
        var wasTraining = training;
        eval();
        try
        {
            using var noGrad = no_grad();
            for (var i = 0; i < maxNewTokens; i++)
            {
                using var scope = NewDisposeScope();
                var window = tokens.Skip(Math.Max(0, tokens.Count - Config.ContextLength)).Select(t => (long)t).ToArray();
                var logits = forward(tensor(window, [1, window.Length]))[0, -1];
                var next = temperature <= 0 ? (int)logits.argmax().item<long>() : Sample(logits, temperature, topK, random);
                tokens.Add(next);
                if (next == stopToken) break;
            }
        }
        finally
        {
            train(wasTraining);
        }
        return tokens.Skip(prompt.Count).ToList();
    }

    /// <summary>
    /// The weights under their llama.cpp GGUF names, row-major [out, in] float32. These are the live parameters:
    /// read them, do not dispose them.
    /// </summary>
    public IEnumerable<(string GgufName, Tensor Weight)> GgufTensors()
    {
        yield return ("token_embd.weight", _embedding.weight!);
        for (var i = 0; i < _layers.Count; i++)
        {
            foreach (var (name, weight) in _layers[i].GgufTensors())
                yield return ($"blk.{i}.{name}", weight);
        }
        yield return ("output_norm.weight", _norm.Weight);
        yield return ("output.weight", _output.weight!);
    }

    private static int Sample(Tensor logits, double temperature, int topK, Random random)
    {
        var scaled = logits / temperature;
        if (topK > 0 && topK < scaled.shape[0])
        {
            var (top, _) = scaled.topk(topK);
            var threshold = top[-1];
            scaled = scaled.masked_fill(scaled < threshold, double.NegativeInfinity);
        }
        var probabilities = functional.softmax(scaled, 0).data<float>().ToArray();
        var r = random.NextDouble();
        for (var i = 0; i < probabilities.Length; i++)
        {
            r -= probabilities[i];
            if (r <= 0) return i;
        }
        return Array.FindLastIndex(probabilities, p => p > 0);
    }

    private void InitializeWeights(long seed)
    {
        // GPT-2 style: small normal weights everywhere, residual output projections scaled down by depth so the
        // residual stream's variance does not grow with the number of layers.
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        var residualStd = 0.02 / Math.Sqrt(2.0 * Config.Layers);
        foreach (var (name, parameter) in named_parameters())
        {
            if (parameter.dim() < 2) continue;
            var isResidualProjection = name.EndsWith(".wo.weight", StringComparison.Ordinal)
                || name.EndsWith(".w2.weight", StringComparison.Ordinal);
            parameter.normal_(0, isResidualProjection ? residualStd : 0.02, generator);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _ropeCos.Dispose();
            _ropeSin.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>One pre-norm decoder block: x + attn(norm(x)), then x + ffn(norm(x)).</summary>
internal sealed class TransformerBlock : Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly RmsNorm _attentionNorm;
    private readonly Attention _attention;
    private readonly RmsNorm _ffnNorm;
    private readonly FeedForward _feedForward;

    public TransformerBlock(TransformerConfig config) : base(nameof(TransformerBlock))
    {
        _attentionNorm = new RmsNorm(config.Dim, config.RmsNormEps);
        _attention = new Attention(config);
        _ffnNorm = new RmsNorm(config.Dim, config.RmsNormEps);
        _feedForward = new FeedForward(config.Dim, config.FeedForwardDim);
        register_module("attention_norm", _attentionNorm);
        register_module("attention", _attention);
        register_module("ffn_norm", _ffnNorm);
        register_module("feed_forward", _feedForward);
    }

    public override Tensor forward(Tensor x, Tensor cos, Tensor sin)
    {
        var h = x + _attention.forward(_attentionNorm.forward(x), cos, sin);
        return h + _feedForward.forward(_ffnNorm.forward(h));
    }

    public IEnumerable<(string GgufName, Tensor Weight)> GgufTensors()
    {
        yield return ("attn_norm.weight", _attentionNorm.Weight);
        foreach (var item in _attention.GgufTensors()) yield return item;
        yield return ("ffn_norm.weight", _ffnNorm.Weight);
        foreach (var item in _feedForward.GgufTensors()) yield return item;
    }
}

/// <summary>Causal self-attention with interleaved rotary positions and optional grouped-query attention.</summary>
internal sealed class Attention : Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Linear _wq, _wk, _wv, _wo;
    private readonly int _heads, _kvHeads, _headDim;

    public Attention(TransformerConfig config) : base(nameof(Attention))
    {
        (_heads, _kvHeads, _headDim) = (config.Heads, config.KvHeads, config.HeadDim);
        _wq = Linear(config.Dim, _heads * _headDim, hasBias: false);
        _wk = Linear(config.Dim, _kvHeads * _headDim, hasBias: false);
        _wv = Linear(config.Dim, _kvHeads * _headDim, hasBias: false);
        _wo = Linear(_heads * _headDim, config.Dim, hasBias: false);
        register_module("wq", _wq);
        register_module("wk", _wk);
        register_module("wv", _wv);
        register_module("wo", _wo);
    }

    public override Tensor forward(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], time = x.shape[1];
        var q = Rotary.Apply(_wq.forward(x).view(batch, time, _heads, _headDim), cos, sin).transpose(1, 2);
        var k = Rotary.Apply(_wk.forward(x).view(batch, time, _kvHeads, _headDim), cos, sin).transpose(1, 2);
        var v = _wv.forward(x).view(batch, time, _kvHeads, _headDim).transpose(1, 2);
        if (_kvHeads < _heads)
        {
            // Query head h reads key/value head h / (heads / kvHeads), as llama.cpp does.
            var groups = _heads / _kvHeads;
            k = k.repeat_interleave(groups, dim: 1);
            v = v.repeat_interleave(groups, dim: 1);
        }
        var y = functional.scaled_dot_product_attention(q, k, v, is_casual: true);
        y = y.transpose(1, 2).contiguous().view(batch, time, _heads * _headDim);
        return _wo.forward(y).MoveToOuterDisposeScope();
    }

    public IEnumerable<(string GgufName, Tensor Weight)> GgufTensors()
    {
        yield return ("attn_q.weight", _wq.weight!);
        yield return ("attn_k.weight", _wk.weight!);
        yield return ("attn_v.weight", _wv.weight!);
        yield return ("attn_output.weight", _wo.weight!);
    }
}

/// <summary>SwiGLU: w2(silu(w1·x) ⊙ w3·x), with w1 the gate, w3 the up and w2 the down projection.</summary>
internal sealed class FeedForward : Module<Tensor, Tensor>
{
    private readonly Linear _w1, _w2, _w3;

    public FeedForward(int dim, int hiddenDim) : base(nameof(FeedForward))
    {
        _w1 = Linear(dim, hiddenDim, hasBias: false);
        _w2 = Linear(hiddenDim, dim, hasBias: false);
        _w3 = Linear(dim, hiddenDim, hasBias: false);
        register_module("w1", _w1);
        register_module("w2", _w2);
        register_module("w3", _w3);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return _w2.forward(functional.silu(_w1.forward(x)) * _w3.forward(x)).MoveToOuterDisposeScope();
    }

    public IEnumerable<(string GgufName, Tensor Weight)> GgufTensors()
    {
        yield return ("ffn_gate.weight", _w1.weight!);
        yield return ("ffn_up.weight", _w3.weight!);
        yield return ("ffn_down.weight", _w2.weight!);
    }
}

/// <summary>Root-mean-square layer norm with a learned scale, as in llama.cpp: x / sqrt(mean(x²) + eps) · w.</summary>
internal sealed class RmsNorm : Module<Tensor, Tensor>
{
    private readonly double _eps;

    public Parameter Weight { get; }

    public RmsNorm(int dim, double eps) : base(nameof(RmsNorm))
    {
        _eps = eps;
        Weight = new Parameter(ones(dim));
        register_parameter("weight", Weight);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var normalized = x * rsqrt(x.pow(2).mean([-1], keepdim: true) + _eps);
        return (normalized * Weight).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Rotary position embedding with the interleaved ("GPT-J") pairing llama.cpp uses for the llama architecture:
/// dimensions (2i, 2i+1) of each head rotate together by angle pos · theta^(-2i/headDim).
/// </summary>
internal static class Rotary
{
    public static (Tensor Cos, Tensor Sin) Tables(int contextLength, int headDim, double theta)
    {
        var half = headDim / 2;
        var cos = new float[contextLength * half];
        var sin = new float[contextLength * half];
        for (var pos = 0; pos < contextLength; pos++)
        {
            for (var i = 0; i < half; i++)
            {
                var angle = pos * Math.Pow(theta, -2.0 * i / headDim);
                cos[pos * half + i] = (float)Math.Cos(angle);
                sin[pos * half + i] = (float)Math.Sin(angle);
            }
        }
        return (tensor(cos, [contextLength, half]), tensor(sin, [contextLength, half]));
    }

    /// <summary>Rotates x [batch, time, heads, headDim] with tables [time, headDim/2].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var shape = x.shape;
        var pairs = x.view(shape[0], shape[1], shape[2], shape[3] / 2, 2);
        var even = pairs.select(-1, 0);
        var odd = pairs.select(-1, 1);
        var c = cos.view(1, shape[1], 1, shape[3] / 2);
        var s = sin.view(1, shape[1], 1, shape[3] / 2);
        var rotated = stack([even * c - odd * s, even * s + odd * c], dim: -1);
        return rotated.view(shape).MoveToOuterDisposeScope();
    }
}
