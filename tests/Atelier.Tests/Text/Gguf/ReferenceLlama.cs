using Atelier.Text.Gguf;

namespace Atelier.Tests.Text.Gguf;

/// <summary>
/// A deliberately plain forward pass of the Llama architecture, written to be checked by eye against the paper and
/// llama.cpp rather than to be fast: one token at a time with a key/value cache, every dot product in double.
/// Weights are keyed by GGUF tensor name and stored row-major as [out, in], exactly as <see cref="LlamaGgufWriter"/>
/// takes them, so the same dictionary can be written to a file and evaluated here.
/// </summary>
public sealed class ReferenceLlama
{
    private readonly LlamaHyperparameters _hp;
    private readonly IReadOnlyDictionary<string, float[]> _w;

    public ReferenceLlama(LlamaHyperparameters hp, IReadOnlyDictionary<string, float[]> weights)
    {
        hp.Validate();
        foreach (var (name, shape) in hp.TensorShapes())
        {
            if (!weights.TryGetValue(name, out var values)) throw new ArgumentException($"the weights lack tensor {name}");
            if (values.LongLength != shape.Aggregate(1L, (a, b) => a * b))
                throw new ArgumentException($"tensor {name} has {values.Length} values, not [{string.Join(", ", shape)}]");
        }
        _hp = hp;
        _w = weights;
    }

    /// <summary>The logits (vocabulary-sized) after each token of <paramref name="tokens"/>, positions 0, 1, 2, …</summary>
    public float[][] Forward(IReadOnlyList<int> tokens)
    {
        if (tokens.Count > _hp.ContextLength)
            throw new ArgumentException($"{tokens.Count} tokens do not fit the context of {_hp.ContextLength}");
        int d = _hp.EmbeddingLength, kvDim = _hp.KvDim;

        // Keys and values of every earlier position, per block: [block][position][kvDim].
        var keys = new float[_hp.BlockCount][][];
        var values = new float[_hp.BlockCount][][];
        for (int b = 0; b < _hp.BlockCount; b++)
        {
            keys[b] = new float[tokens.Count][];
            values[b] = new float[tokens.Count][];
        }

        var logits = new float[tokens.Count][];
        for (int pos = 0; pos < tokens.Count; pos++)
        {
            var x = _w["token_embd.weight"].AsSpan(tokens[pos] * d, d).ToArray();
            for (int b = 0; b < _hp.BlockCount; b++)
            {
                var p = $"blk.{b}.";

                var xb = RmsNorm(x, _w[p + "attn_norm.weight"]);
                var q = MatVec(_w[p + "attn_q.weight"], xb, d);
                var k = MatVec(_w[p + "attn_k.weight"], xb, kvDim);
                var v = MatVec(_w[p + "attn_v.weight"], xb, kvDim);
                Rope(q, pos, _hp.HeadCount);
                Rope(k, pos, _hp.HeadCountKv);
                keys[b][pos] = k;
                values[b][pos] = v;

                var attention = Attend(q, keys[b], values[b], pos);
                Add(x, MatVec(_w[p + "attn_output.weight"], attention, d));

                xb = RmsNorm(x, _w[p + "ffn_norm.weight"]);
                var gate = MatVec(_w[p + "ffn_gate.weight"], xb, _hp.FeedForwardLength);
                var up = MatVec(_w[p + "ffn_up.weight"], xb, _hp.FeedForwardLength);
                for (int i = 0; i < gate.Length; i++) gate[i] = Silu(gate[i]) * up[i];
                Add(x, MatVec(_w[p + "ffn_down.weight"], gate, d));
            }
            x = RmsNorm(x, _w["output_norm.weight"]);
            logits[pos] = MatVec(_w["output.weight"], x, _hp.VocabSize);
        }
        return logits;
    }

    /// <summary>Causal multi-head attention of one query position over positions 0..pos, with grouped key/value heads.</summary>
    private float[] Attend(float[] q, float[][] keys, float[][] values, int pos)
    {
        int headDim = _hp.HeadDim;
        int group = _hp.HeadCount / _hp.HeadCountKv;
        double scale = 1.0 / Math.Sqrt(headDim);
        var output = new float[_hp.EmbeddingLength];
        var scores = new double[pos + 1];
        for (int h = 0; h < _hp.HeadCount; h++)
        {
            // Consecutive query heads share one key/value head, as in llama.cpp's broadcast over GQA groups.
            int kvOffset = h / group * headDim, qOffset = h * headDim;
            double max = double.NegativeInfinity;
            for (int t = 0; t <= pos; t++)
            {
                double dot = 0;
                for (int i = 0; i < headDim; i++) dot += (double)q[qOffset + i] * keys[t][kvOffset + i];
                scores[t] = dot * scale;
                max = Math.Max(max, scores[t]);
            }
            double sum = 0;
            for (int t = 0; t <= pos; t++) sum += scores[t] = Math.Exp(scores[t] - max);
            for (int i = 0; i < headDim; i++)
            {
                double acc = 0;
                for (int t = 0; t <= pos; t++) acc += scores[t] / sum * values[t][kvOffset + i];
                output[qOffset + i] = (float)acc;
            }
        }
        return output;
    }

    /// <summary>
    /// Rotary positions as llama.cpp applies them to <c>general.architecture = llama</c> (LLAMA_ROPE_TYPE_NORM):
    /// each head's adjacent pairs (2i, 2i+1) are rotated by pos·base^(-2i/headDim). Hugging Face checkpoints pair
    /// (i, i + headDim/2) instead, which is why their Q/K rows are permuted when converted to GGUF.
    /// </summary>
    private void Rope(float[] vector, int pos, int heads)
    {
        int headDim = _hp.HeadDim;
        for (int h = 0; h < heads; h++)
        {
            for (int i = 0; i < headDim / 2; i++)
            {
                double theta = pos * Math.Pow(_hp.RopeTheta, -2.0 * i / headDim);
                double cos = Math.Cos(theta), sin = Math.Sin(theta);
                int j = h * headDim + 2 * i;
                double x0 = vector[j], x1 = vector[j + 1];
                vector[j] = (float)(x0 * cos - x1 * sin);
                vector[j + 1] = (float)(x0 * sin + x1 * cos);
            }
        }
    }

    private float[] RmsNorm(float[] x, float[] weight)
    {
        double squares = 0;
        foreach (var v in x) squares += (double)v * v;
        double inverse = 1.0 / Math.Sqrt(squares / x.Length + _hp.RmsEpsilon);
        var result = new float[x.Length];
        for (int i = 0; i < x.Length; i++) result[i] = (float)(x[i] * inverse * weight[i]);
        return result;
    }

    /// <summary>W·x for a row-major [rows, x.Length] matrix, as GGUF stores a PyTorch [out, in] weight.</summary>
    private static float[] MatVec(float[] matrix, float[] x, int rows)
    {
        var result = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            double acc = 0;
            var row = matrix.AsSpan(r * x.Length, x.Length);
            for (int c = 0; c < x.Length; c++) acc += (double)row[c] * x[c];
            result[r] = (float)acc;
        }
        return result;
    }

    private static float Silu(float x) => (float)(x / (1 + Math.Exp(-x)));

    private static void Add(float[] x, float[] delta)
    {
        for (int i = 0; i < x.Length; i++) x[i] += delta[i];
    }
}
