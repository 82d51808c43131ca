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
