using Atelier.Text;
using Atelier.Text.Gguf;
using LLama;
using LLama.Common;
using LLama.Native;
using Xunit;
using Xunit.Abstractions;

namespace Atelier.Tests.Text.Gguf;

/// <summary>
/// A GGUF written by <see cref="LlamaGgufWriter"/> must mean to llama.cpp exactly what the weights mean to us: the logits
/// llama.cpp computes from the file are compared, position by position, with <see cref="ReferenceLlama"/> run on the
/// weights the file holds. A wrong shape order, tensor name, metadata key or rotary convention fails here.
/// </summary>
public sealed class LlamaParityTests(ITestOutputHelper output) : IDisposable
{
    private static readonly GgufVocabulary Vocabulary = GgufVocabulary.Ascii();

    private const double F32Tolerance = 1e-3;

    // With BOS, twenty positions; repeated characters give attention earlier keys that are alike but rotated apart.
    private const string Text = "The quick brown fox";

    // Grouped-query attention (4 query heads over 2 key/value heads) so that the head-to-group mapping is exercised.
    // Epsilon and rotary base differ from llama.cpp's defaults, so a key the loader ignored would show: written
    // as 1e-5, this epsilon moves the logits by 3e-2.
    private static readonly LlamaHyperparameters Hp = new(
        VocabSize: Vocabulary.Count, ContextLength: 64, EmbeddingLength: 64, BlockCount: 2,
        FeedForwardLength: 128, HeadCount: 4, HeadCountKv: 2, RmsEpsilon: 1e-4f, RopeTheta: 500_000f);

    private readonly string _folder = Directory.CreateTempSubdirectory("atelier-parity-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // Max differences measured over 20 seeds, with logits up to 4.7 in magnitude:
    // F32 3.9e-6 — only the summation order differs (llama.cpp's SIMD float sums against our double sums).
    // F16 5.4e-3 — llama.cpp rounds each activation vector to F16 before an F16 matmul. Rounding the reference's
    //   matmul inputs the same way brings this to 2.2e-3; the rest is values that float and double sums send to
    //   neighbouring F16 numbers.
    // Q8_0 0.14 — llama.cpp quantizes each activation vector to Q8_0 blocks (8 bits per 32 values) before a Q8_0
    //   matmul. Rounding the reference's matmul inputs the same way brings 19 of 20 seeds to 5e-7 (the other to
    //   2.7e-2, through one value on a rounding boundary). A misplaced scale or block misses by whole units.
    [Theory]
    [InlineData(GgmlType.F32, F32Tolerance)]
    [InlineData(GgmlType.F16, 1e-2)]
    [InlineData(GgmlType.Q8_0, 0.25)]
    public void LlamaCppLogitsMatchTheReferenceForwardPass(GgmlType type, double tolerance)
    {
        var weights = LlamaGgufWriter.RandomWeights(Hp, seed: 1234);
        var path = Path.Combine(_folder, $"parity-{type}.gguf");
        LlamaGgufWriter.Write(path, "parity", Hp, Vocabulary, weights, type);

        // The reference runs on the weights as stored, so that F16 or Q8_0 rounding of the weights themselves is
        // shared by both sides and only llama.cpp's arithmetic is under test.
        var file = GgufFile.Read(path);
        var stored = file.Tensors.ToDictionary(t => t.Name, t => file.ReadTensor(t.Name));
        var tokens = Tokenize(Text);

        var expected = new ReferenceLlama(Hp, stored).Forward(tokens);
        var actual = LlamaCppLogits(path, tokens);

        double diff = MaxAbsDifference(expected, actual);
        output.WriteLine($"{type}: max |llama.cpp - reference| = {diff:E2} over {tokens.Length} positions");
        Assert.True(diff <= tolerance, $"{type}: logits differ by up to {diff:E2} (tolerance {tolerance:E0})");
    }

    [Fact]
    public void StoredWeightsOfAnF32FileAreTheOriginals()
    {
        var weights = LlamaGgufWriter.RandomWeights(Hp, seed: 99);
        var path = Path.Combine(_folder, "exact.gguf");
        LlamaGgufWriter.Write(path, "exact", Hp, Vocabulary, weights);

        var file = GgufFile.Read(path);
        foreach (var (name, values) in weights) Assert.Equal(values, file.ReadTensor(name));
    }

    /// <summary>
    /// The parity test is only worth something if it tells rotary conventions apart. The reference run on Q and K
    /// rows reordered so that its adjacent pairs are the original rows (i, i + headDim/2) computes what a half-split
    /// (Hugging Face layout, LLAMA_ROPE_TYPE_NEOX) model would from the original weights; that must miss by far.
    /// </summary>
    [Fact]
    public void TheComparisonTellsRotaryPairingsApart()
    {
        var weights = LlamaGgufWriter.RandomWeights(Hp, seed: 1234);
        var path = Path.Combine(_folder, "rope.gguf");
        LlamaGgufWriter.Write(path, "rope", Hp, Vocabulary, weights);
        var tokens = Tokenize(Text);

        var halfSplit = new Dictionary<string, float[]>(weights);
        for (int b = 0; b < Hp.BlockCount; b++)
        {
            halfSplit[$"blk.{b}.attn_q.weight"] = HalvesToPairs(weights[$"blk.{b}.attn_q.weight"], Hp.HeadCount);
            halfSplit[$"blk.{b}.attn_k.weight"] = HalvesToPairs(weights[$"blk.{b}.attn_k.weight"], Hp.HeadCountKv);
        }

        var actual = LlamaCppLogits(path, tokens);
        double adjacent = MaxAbsDifference(new ReferenceLlama(Hp, weights).Forward(tokens), actual);
        double halves = MaxAbsDifference(new ReferenceLlama(Hp, halfSplit).Forward(tokens), actual);
        output.WriteLine($"adjacent pairs: {adjacent:E2}, half-split pairs: {halves:E2}");
        Assert.True(adjacent <= F32Tolerance, $"adjacent pairing missed by {adjacent:E2}");
        Assert.True(halves > 100 * F32Tolerance, $"half-split pairing came within {halves:E2}");
    }

    /// <summary>Decodes all tokens in one batch, asking for the logits of every position.</summary>
    private static float[][] LlamaCppLogits(string path, int[] tokens)
    {
        LlamaNative.Configure();
        var parameters = new ModelParams(path)
        {
            GpuLayerCount = 0,
            ContextSize = (uint)Hp.ContextLength,
            BatchSize = (uint)Hp.ContextLength,
            UBatchSize = (uint)Hp.ContextLength,
            Threads = 2,
            BatchThreads = 2,
            // The default F16 key/value cache alone moves F32 logits by ~2e-3 (~4e-3 with flash attention, which
            // also rounds queries to F16): an F32 cache and plain attention leave only llama.cpp's float arithmetic.
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            FlashAttention = false,
        };
        using var weights = LLamaWeights.LoadFromFile(parameters);
        using var context = weights.CreateContext(parameters);
        Assert.Equal(Hp.VocabSize, weights.Vocab.Count);

        var batch = new LLamaBatch();
        for (int i = 0; i < tokens.Length; i++) batch.Add(tokens[i], i, LLamaSeqId.Zero, logits: true);
        Assert.Equal(DecodeResult.Ok, context.NativeHandle.Decode(batch));
        return tokens.Select((_, i) => context.NativeHandle.GetLogitsIth(i).ToArray()).ToArray();
    }

    /// <summary>BOS then one token per character, looked up directly so that the test does not depend on a tokenizer.</summary>
    private static int[] Tokenize(string text)
    {
        var ids = Vocabulary.Tokens.Select((token, id) => (token, id)).ToDictionary(t => t.token, t => t.id);
        return [Vocabulary.BosId, .. text.Select(c => ids[c == ' ' ? "\u2581" : c.ToString()])];
    }

    /// <summary>Reorders each head's rows from [first half | second half] to interleaved pairs (row i, row i + half).</summary>
    private static float[] HalvesToPairs(float[] matrix, int heads)
    {
        int headDim = Hp.HeadDim, columns = Hp.EmbeddingLength, half = headDim / 2;
        var result = new float[matrix.Length];
        for (int h = 0; h < heads; h++)
        {
            for (int i = 0; i < half; i++)
            {
                int head = h * headDim;
                matrix.AsSpan((head + i) * columns, columns).CopyTo(result.AsSpan((head + 2 * i) * columns));
                matrix.AsSpan((head + half + i) * columns, columns).CopyTo(result.AsSpan((head + 2 * i + 1) * columns));
            }
        }
        return result;
    }

    private static double MaxAbsDifference(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (int p = 0; p < expected.Length; p++)
        {
            Assert.Equal(expected[p].Length, actual[p].Length);
            for (int i = 0; i < expected[p].Length; i++) max = Math.Max(max, Math.Abs(expected[p][i] - actual[p][i]));
        }
        return max;
    }
}
