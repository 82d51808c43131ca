namespace Atelier.Text.Training.Tests;

public sealed class TextTrainerTests
{
    private static readonly TrainingOptions Quick = new()
    {
        MaxSteps = 300,
        BatchSize = 16,
        SequenceLength = 64,
        LearningRate = 3e-3,
        MinLearningRate = 3e-4,
        WarmupSteps = 20,
        EvalInterval = 100,
        EvalBatches = 2,
        SampleCount = 3,
        SampleTokens = 24,
        SamplePrompts = ["the "],
        CheckpointInterval = 0,
        Seed = 42,
        // One thread: a model this small gains nothing from two, and OpenMP's spinning threads slow to a crawl
        // when the cores are shared with other work.
        Threads = 1,
    };

    private static (CharTokenizer Tokenizer, TokenDataset Train, TokenDataset HeldOut) Data()
    {
        string[] animals = ["cat", "dog", "fox", "owl", "hen", "elk"];
        string[] places = ["mat", "log", "box", "hill", "barn", "road"];
        // Independent random choices, so held-out lines follow the same distribution as training lines.
        var random = new Random(5);
        var lines = Enumerable.Range(0, 400)
            .Select(_ => $"the {animals[random.Next(6)]} sat on the {places[random.Next(6)]} {(random.Next(2) == 0 ? "again" : "today")}.")
            .ToList();
        var corpus = new TextCorpus(lines.Select((l, i) => new TextDocument($"line{i}", l)).ToList());
        var (train, heldOut) = corpus.Split(0.05);
        var tokenizer = CharTokenizer.Build(train.Select(d => d.Text));
        return (tokenizer, TokenDataset.Encode(train, tokenizer), TokenDataset.Encode(heldOut, tokenizer));
    }

    private static TransformerConfig TinyFor(ITextTokenizer tokenizer) =>
        TransformerConfig.Preset("tiny", tokenizer.VocabSize);

    [Fact]
    public void Tiny_model_learns_a_small_corpus_quickly()
    {
        using var dir = new TempDirectory();
        var (tokenizer, train, heldOut) = Data();
        var reports = new List<TrainingProgress>();

        using var trainer = TextTrainer.Start(dir.Path, TinyFor(tokenizer), tokenizer, Quick);
        var initial = trainer.Evaluate(heldOut);
        var result = trainer.Train(train, heldOut, new SyncProgress<TrainingProgress>(reports.Add));

        Assert.True(result.Completed);
        Assert.Equal(300, result.Step);
        Assert.Equal(300, reports.Count);
        Assert.Equal(3, reports.Count(r => r.Evaluation is not null));
        Assert.True(reports[^1].TokensPerSecond > 0);
        Assert.Equal(TimeSpan.Zero, reports[^1].Eta);

        var final = result.LastEvaluation!;
        Assert.True(initial.Loss > 3.0, $"initial held-out loss {initial.Loss}");
        Assert.True(final.Loss < 0.6, $"held-out loss only fell from {initial.Loss} to {final.Loss}");
        Assert.Equal(Math.Exp(final.Loss), final.Perplexity, 6);
        Assert.Equal(3, final.Samples.Count);
        Assert.All(final.Samples, s => Assert.StartsWith("the ", s));

        foreach (var file in new[] { "config.json", "model.safetensors", "optimizer.safetensors", "tokenizer.json", "metrics.jsonl" })
            Assert.True(File.Exists(Path.Combine(dir.Path, file)), file);
        Assert.Equal(300, File.ReadLines(Path.Combine(dir.Path, "metrics.jsonl")).Count());

        var (loaded, loadedTokenizer) = TextModelCheckpoint.Load(dir.Path);
        using (loaded)
        {
            var prompt = loadedTokenizer.Encode("the cat", addBos: true);
            Assert.Equal(trainer.Model.Generate(prompt, 12, 0, 0, new Random(0)),
                loaded.Generate(prompt, 12, 0, 0, new Random(0)));
        }
    }

    [Fact]
    public void Resuming_from_a_cancelled_run_continues_bit_for_bit()
    {
        const int half = 12;
        var (tokenizer, train, heldOut) = Data();
        var options = Quick with { MaxSteps = 2 * half, WarmupSteps = 5, GradientAccumulationSteps = 2, EvalInterval = 5, SampleCount = 1 };

        using var straightDir = new TempDirectory();
        var straightLosses = new List<double>();
        using var straight = TextTrainer.Start(straightDir.Path, TinyFor(tokenizer), tokenizer, options);
        straight.Train(train, heldOut, new SyncProgress<TrainingProgress>(p => straightLosses.Add(p.Loss)));

        using var splitDir = new TempDirectory();
        var splitLosses = new List<double>();
        using var cancel = new CancellationTokenSource();
        TrainingResult first;
        using (var firstHalf = TextTrainer.Start(splitDir.Path, TinyFor(tokenizer), tokenizer, options))
        {
            first = firstHalf.Train(train, heldOut, new SyncProgress<TrainingProgress>(p =>
            {
                splitLosses.Add(p.Loss);
                if (p.Step == half) cancel.Cancel();
            }), cancel.Token);
        }
        Assert.False(first.Completed);
        Assert.Equal(half, first.Step);

        using var resumed = TextTrainer.Resume(splitDir.Path);
        Assert.Equal(half, resumed.Step);
        var second = resumed.Train(train, heldOut, new SyncProgress<TrainingProgress>(p => splitLosses.Add(p.Loss)));

        Assert.True(second.Completed);
        Assert.Equal(straightLosses, splitLosses);
        Assert.All(straight.Model.parameters().Zip(resumed.Model.parameters()),
            p => Assert.True(p.First.allclose(p.Second, rtol: 0, atol: 0)));
        Assert.Equal(2 * half, File.ReadLines(Path.Combine(splitDir.Path, "metrics.jsonl")).Count());
    }

    [Fact]
    public void Resume_reports_a_folder_without_a_checkpoint()
    {
        using var dir = new TempDirectory();

        var error = Assert.Throws<FileNotFoundException>(() => TextTrainer.Resume(dir.Path));
        Assert.Contains("config.json", error.Message);
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
