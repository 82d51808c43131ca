using System.Diagnostics;

namespace Atelier.Text.Training;

/// <summary>What to train on and how: the data source, the model's shape, the tokenizer, and the loop's options.</summary>
public sealed record TextTrainingRequest
{
    /// <summary>A folder of .txt/.md files, a .jsonl file with a "text" field, or <c>chinese-poetry</c>.</summary>
    public string? Data { get; init; }
    public required string Output { get; init; }
    /// <summary>tiny, small or base; null means small for a new model, and the checkpoint's own shape on resume.</summary>
    public string? Preset { get; init; }
    public int? Dim { get; init; }
    public int? Layers { get; init; }
    public int? Heads { get; init; }
    public int? KvHeads { get; init; }
    public int? Context { get; init; }
    public string Tokenizer { get; init; } = "char";
    public int? Vocab { get; init; }
    public double HeldOut { get; init; } = 0.01;
    public bool Resume { get; init; }
    public bool Simplified { get; init; }
    public bool IncludeCi { get; init; }
    public int? MaxDocuments { get; init; }
    public TrainingOptions Options { get; init; } = new();
}

public sealed record TextTrainingSummary(
    int Step, bool Completed, double? Loss, EvaluationResult? Evaluation, string Directory,
    long Parameters, int TrainDocuments, int HeldOutDocuments, long TrainTokens, int VocabSize, double WallSeconds);

/// <summary>
/// One training run from a request: loads and splits the data, builds or reloads the tokenizer and model, trains, and
/// leaves a checkpoint. Every problem with the request is found before the first step, and a new output folder is
/// removed again if the run fails before writing anything into it.
/// </summary>
public static class TextTrainingRun
{
    public const string ChinesePoetrySource = "chinese-poetry";

    public static TextTrainingSummary Run(TextTrainingRequest request, IProgress<TrainingProgress>? progress,
        CancellationToken cancellation, Action<string>? status = null)
    {
        var clock = Stopwatch.StartNew();
        var output = Path.GetFullPath(request.Output);
        bool created = PrepareOutput(output, request.Resume);
        TextTrainer? trainer = null;
        try
        {
            status?.Invoke("loading data");
            var corpus = LoadCorpus(request);
            var (trainDocs, heldOutDocs) = corpus.Split(request.HeldOut);
            if (!request.Resume) TrainingData.Describe(request).Save(Path.Combine(output, TrainingData.FileName));
            if (request.Resume)
            {
                trainer = TextTrainer.Resume(output, request.Options);
                CheckSameShape(trainer.Model.Config, request, output);
            }
            else
            {
                status?.Invoke("building the tokenizer");
                var tokenizer = BuildTokenizer(request, trainDocs.Select(d => d.Text));
                var config = Shape(request, tokenizer.VocabSize);
                trainer = TextTrainer.Start(output, config, tokenizer, request.Options);
            }
            status?.Invoke("tokenizing");
            var train = TokenDataset.Encode(trainDocs, trainer.Tokenizer);
            var heldOut = TokenDataset.Encode(heldOutDocs, trainer.Tokenizer);
            int sequence = Math.Min(request.Options.SequenceLength ?? trainer.Model.Config.ContextLength, trainer.Model.Config.ContextLength);
            if (train.Count <= sequence + 1)
                throw new ArgumentException($"the training data has only {train.Count} tokens; a sequence needs {sequence + 1}");
            status?.Invoke("training");
            var result = trainer.Train(train, heldOut, progress, cancellation);
            LossCurve.TryWrite(output);
            if (result.Completed)
            {
                status?.Invoke("indexing the training text for the copying check");
                CopyIndexes.Build(trainDocs).Save(Path.Combine(output, CopyIndexes.FileName));
            }
            return new TextTrainingSummary(result.Step, result.Completed, result.LastLoss, result.LastEvaluation, output,
                trainer.Model.Config.ParameterCount(), trainDocs.Count, heldOutDocs.Count, train.Count,
                trainer.Tokenizer.VocabSize, clock.Elapsed.TotalSeconds);
        }
        catch when (created && trainer is null)
        {
            Directory.Delete(output, recursive: true);
            throw;
        }
        finally
        {
            trainer?.Dispose();
        }
    }

    /// <summary>Checks the output folder before any work: writable, and holding a checkpoint exactly when resuming.</summary>
    private static bool PrepareOutput(string output, bool resume)
    {
        bool hasCheckpoint = File.Exists(Path.Combine(output, TextModelCheckpoint.ConfigFile));
        if (resume && !hasCheckpoint) throw new ArgumentException($"--resume: there is no checkpoint in {output}");
        if (!resume && hasCheckpoint) throw new ArgumentException($"{output} already holds a checkpoint (pass --resume to continue it, or choose another --out)");
        bool created = !Directory.Exists(output);
        try
        {
            Directory.CreateDirectory(output);
            var probe = Path.Combine(output, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            if (created && Directory.Exists(output)) Directory.Delete(output, recursive: true);
            throw new ArgumentException($"cannot write to the output folder {output} ({e.Message})");
        }
        return created;
    }

    public static TextCorpus LoadCorpus(TextTrainingRequest request)
    {
        var source = request.Data ?? throw new ArgumentException("--data is required: a folder, a .jsonl file, or chinese-poetry");
        TextCorpus corpus;
        if (source == ChinesePoetrySource)
            corpus = ChinesePoetryCorpus.Load(new ChinesePoetryOptions
            {
                SongCi = request.IncludeCi, Simplified = request.Simplified, MaxPoems = request.MaxDocuments,
            });
        else if (Directory.Exists(source))
            corpus = TextCorpus.FromDirectory(source);
        else if (File.Exists(source) && source.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            corpus = TextCorpus.FromJsonl(source);
        else if (File.Exists(source))
            throw new ArgumentException($"--data {source}: a file must be .jsonl with a \"text\" field per line");
        else
            throw new ArgumentException($"--data {source}: no such folder or file");
        if (request.MaxDocuments is { } max && source != ChinesePoetrySource)
            corpus = new TextCorpus(corpus.Documents.Take(max).ToList());
        if (corpus.Documents.Count == 0 || corpus.Documents.All(d => d.Text.Length == 0))
            throw new ArgumentException($"--data {source}: no documents found");
        if (corpus.Documents.Count < 2)
            throw new ArgumentException($"--data {source}: at least 2 documents are needed (one is held out for evaluation)");
        return corpus;
    }

    private static ITextTokenizer BuildTokenizer(TextTrainingRequest request, IEnumerable<string> documents)
    {
        switch (request.Tokenizer)
        {
            case "char":
                var all = CharTokenizer.Build(documents);
                int fixedTokens = all.FirstByteToken + CharTokenizer.ByteTokenCount;
                if (request.Vocab is not { } vocab) return all;
                if (vocab <= fixedTokens)
                    throw new ArgumentException($"--vocab {vocab} is too small: a character vocabulary needs more than {fixedTokens} tokens (special and byte tokens)");
                if (vocab > all.VocabSize)
                    throw new ArgumentException($"--vocab {vocab} is larger than the data supports ({all.VocabSize} tokens: every character seen, plus special and byte tokens)");
                return CharTokenizer.Build(documents, maxCharacters: vocab - fixedTokens);
            case "bpe":
                return BpeTokenizer.Train(documents, request.Vocab ?? 4096);
            default:
                throw new ArgumentException($"--tokenizer must be char or bpe (got {request.Tokenizer})");
        }
    }

    private static TransformerConfig Shape(TextTrainingRequest r, int vocabSize)
    {
        var preset = TransformerConfig.Preset(r.Preset ?? "small", vocabSize, r.Context);
        int dim = r.Dim ?? preset.Dim, heads = r.Heads ?? preset.Heads;
        var config = preset with
        {
            Dim = dim, Layers = r.Layers ?? preset.Layers, Heads = heads, KvHeads = r.KvHeads ?? (r.Heads is null ? preset.KvHeads : heads),
            FeedForwardDim = r.Dim is null ? preset.FeedForwardDim : TransformerConfig.LlamaFeedForwardDim(dim),
        };
        config.Validate();
        return config;
    }

    private static void CheckSameShape(TransformerConfig saved, TextTrainingRequest r, string output)
    {
        var differences = new List<string>();
        if (r.Preset is { } name)
        {
            var preset = TransformerConfig.Preset(name, saved.VocabSize);
            if (r.Dim is null && preset.Dim != saved.Dim || r.Layers is null && preset.Layers != saved.Layers)
                differences.Add($"--preset {name} (checkpoint: dim {saved.Dim}, {saved.Layers} layers)");
        }
        void Compare(string name, int? asked, int had) { if (asked is { } a && a != had) differences.Add($"--{name} {a} (checkpoint: {had})"); }
        Compare("dim", r.Dim, saved.Dim);
        Compare("layers", r.Layers, saved.Layers);
        Compare("heads", r.Heads, saved.Heads);
        Compare("kv-heads", r.KvHeads, saved.KvHeads);
        Compare("context", r.Context, saved.ContextLength);
        Compare("vocab", r.Vocab, saved.VocabSize);
        if (differences.Count > 0)
            throw new ArgumentException($"--resume: the checkpoint in {output} has a different configuration: {string.Join(", ", differences)}");
    }
}
