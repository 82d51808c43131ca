using Atelier.Text.Gguf;
using LLama;
using LLama.Common;
using LLama.Native;
using TorchSharp;

namespace Atelier.Text.Training.Tests;

/// <summary>
/// The exported GGUF is the trained model: llama.cpp computes the logits TorchSharp computes, and tokenizes text into
/// the ids training used.
/// </summary>
public sealed class GgufExportTests
{
    static GgufExportTests() => NativeLibraryConfig.All.WithLogCallback((_, _) => { });

    private static (string Checkpoint, ITextTokenizer Tokenizer, List<string> HeldOut) TrainTiny(TempDirectory dir, string kind)
    {
        var corpus = ChinesePoetryCorpus.Load(new ChinesePoetryOptions { MaxPoems = 1500 });
        var (train, heldOut) = corpus.Split(0.2);
        // Keep only the commoner characters so held-out text also exercises the byte fallback.
        ITextTokenizer tokenizer = kind == "char"
            ? CharTokenizer.Build(train.Select(d => d.Text), maxCharacters: 1200)
            : BpeTokenizer.Train(train.Select(d => d.Text), 1500);
        var config = TransformerConfig.Preset("tiny", tokenizer.VocabSize) with { KvHeads = 2 };
        var options = new TrainingOptions
        {
            MaxSteps = 30, BatchSize = 8, SequenceLength = 48, WarmupSteps = 5, EvalInterval = 0, CheckpointInterval = 0,
            Threads = 1, Seed = 3, LearningRate = 3e-3,
        };
        var checkpoint = System.IO.Path.Combine(dir.Path, "ckpt");
        using (var trainer = TextTrainer.Start(checkpoint, config, tokenizer, options))
            trainer.Train(TokenDataset.Encode(train, tokenizer));
        var lines = heldOut.SelectMany(d => d.Text.Split('\n')).Where(l => l.Length > 0).Take(1000).ToList();
        return (checkpoint, tokenizer, lines);
    }

    [Theory]
    [InlineData("char")]
    [InlineData("bpe")]
    public void Llama_cpp_gives_the_trained_models_logits_and_tokenizes_like_training(string kind)
    {
        using var dir = new TempDirectory();
        var (checkpoint, tokenizer, heldOutLines) = TrainTiny(dir, kind);
        var gguf = System.IO.Path.Combine(dir.Path, "tiny.gguf");
        GgufExport.Export(checkpoint, gguf, GgmlType.F32);

        var parameters = new ModelParams(gguf)
        {
            GpuLayerCount = 0, ContextSize = 64, BatchSize = 64, UBatchSize = 64, Threads = 1, BatchThreads = 1,
            TypeK = GGMLType.GGML_TYPE_F32, TypeV = GGMLType.GGML_TYPE_F32, FlashAttention = false,
        };
        using var weights = LLamaWeights.LoadFromFile(parameters);

        // Tokenization: 1,000 held-out lines, none seen in training.
        Assert.Equal(1000, heldOutLines.Count);
        var mismatches = heldOutLines.Where(line =>
            !weights.Tokenize(line, false, false, System.Text.Encoding.UTF8).Select(t => (int)t).SequenceEqual(tokenizer.Encode(line))).ToList();
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} lines tokenize differently, e.g. {mismatches.FirstOrDefault()}");
        if (tokenizer is CharTokenizer chars) Assert.Contains(heldOutLines, line => chars.Encode(line).Any(chars.IsByte));

        // Logits: the same sequence through TorchSharp and through llama.cpp.
        var ids = tokenizer.Encode(heldOutLines[0], addBos: true).Take(40).ToArray();
        var (model, _) = TextModelCheckpoint.Load(checkpoint);
        float[,] expected;
        using (model)
        using (torch.no_grad())
        {
            model.eval();
            using var logits = model.forward(torch.tensor(ids.Select(i => (long)i).ToArray()).reshape(1, ids.Length));
            var flat = logits.reshape(ids.Length, tokenizer.VocabSize).data<float>().ToArray();
            expected = new float[ids.Length, tokenizer.VocabSize];
            Buffer.BlockCopy(flat, 0, expected, 0, flat.Length * sizeof(float));
        }
        using var context = weights.CreateContext(parameters);
        var batch = new LLamaBatch();
        for (int i = 0; i < ids.Length; i++) batch.Add(ids[i], i, LLamaSeqId.Zero, true);
        Assert.Equal(DecodeResult.Ok, context.NativeHandle.Decode(batch));
        double maxDifference = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            var actual = context.NativeHandle.GetLogitsIth(i);
            for (int v = 0; v < tokenizer.VocabSize; v++) maxDifference = Math.Max(maxDifference, Math.Abs(actual[v] - expected[i, v]));
        }
        Assert.True(maxDifference <= 1e-3, $"max |logit difference| = {maxDifference}");
    }
}
