using System.Text.Json;

namespace Atelier.Text.Training;

/// <summary>
/// Which data a model was trained on, saved beside its checkpoint and exported model, so the training text can be
/// loaded again — for the copying check — without shipping it.
/// </summary>
public sealed record TrainingData(string Source, bool Simplified, bool IncludeCi, int? MaxDocuments, double HeldOut)
{
    public const string FileName = "training-data.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static TrainingData Describe(TextTrainingRequest r) =>
        new(r.Data == TextTrainingRun.ChinesePoetrySource ? r.Data : Path.GetFullPath(r.Data!), r.Simplified, r.IncludeCi, r.MaxDocuments, r.HeldOut);

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    public static TrainingData Load(string path) =>
        JsonSerializer.Deserialize<TrainingData>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty");

    /// <summary>The documents the model was trained on (the held-out share excluded), loaded from the source again.</summary>
    public IReadOnlyList<TextDocument> TrainingDocuments() => Split().Train;

    /// <summary>The documents held out from training, for evaluation.</summary>
    public IReadOnlyList<TextDocument> HeldOutDocuments() => Split().HeldOut;

    private (IReadOnlyList<TextDocument> Train, IReadOnlyList<TextDocument> HeldOut) Split() =>
        TextTrainingRun.LoadCorpus(new TextTrainingRequest
        {
            Data = Source, Output = ".", Simplified = Simplified, IncludeCi = IncludeCi, MaxDocuments = MaxDocuments,
        }).Split(HeldOut);
}
