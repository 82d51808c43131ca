using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Atelier.Text.Training;

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
