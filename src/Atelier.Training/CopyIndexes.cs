using System.Collections.Concurrent;
using System.Security.Cryptography;
using Atelier.Text.Copying;

namespace Atelier.Text.Training;

/// <summary>
/// Finds the copying-check index of a model: a <c>copy-index.bin</c> beside it, or one rebuilt (once, into the cache)
/// from the <c>training-data.json</c> beside it — the embedded models ship the description, not the 90 MB index.
/// </summary>
public static class CopyIndexes
{
    public const string FileName = "copy-index.bin";

    private static readonly ConcurrentDictionary<string, Lazy<NGramCopyIndex?>> Loaded = new();

    /// <summary>Documents are keyed by their first line, which for poems is the title and author.</summary>
    public static NGramCopyIndex Build(IEnumerable<TextDocument> documents) =>
        NGramCopyIndex.Build(documents.Select(d => (d.Text.Split('\n', 2)[0], d.Text)));

    /// <summary>The index for the model file at <paramref name="modelPath"/>, or null when its training text is unknown.</summary>
    public static NGramCopyIndex? ForModel(string modelPath) =>
        Loaded.GetOrAdd(Path.GetFullPath(modelPath), path => new Lazy<NGramCopyIndex?>(() => Find(path))).Value;

    private static NGramCopyIndex? Find(string modelPath)
    {
        var folder = Path.GetDirectoryName(modelPath)!;
        var stem = Path.GetFileNameWithoutExtension(modelPath);
        foreach (var name in new[] { $"{stem}.{FileName}", FileName })
            if (File.Exists(Path.Combine(folder, name))) return NGramCopyIndex.Load(Path.Combine(folder, name));
        var description = new[] { $"{stem}.{TrainingData.FileName}", TrainingData.FileName }
            .Select(n => Path.Combine(folder, n)).FirstOrDefault(File.Exists);
        if (description is null) return null;

        var key = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(description)))[..16];
        var cached = Path.Combine(AtelierPaths.Cache, "copy-index", $"{key}.bin");
        if (File.Exists(cached)) return NGramCopyIndex.Load(cached);
        var index = Build(TrainingData.Load(description).TrainingDocuments());
        Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
        var partial = cached + $".{Environment.ProcessId}.partial";
        index.Save(partial);
        File.Move(partial, cached, overwrite: true);
        return index;
    }
}
