using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Atelier.Text.Training;

/// <summary>One training document; <see cref="Id"/> says where it came from (file, line or poem).</summary>
public sealed record TextDocument(string Id, string Text);

/// <summary>A list of documents plus a reproducible train/held-out split.</summary>
public sealed class TextCorpus
{
    /// <summary>Long files are cut into pieces of about this many characters so that a held-out split exists.</summary>
    public const int ChunkCharacters = 16_384;

    public IReadOnlyList<TextDocument> Documents { get; }

    public TextCorpus(IReadOnlyList<TextDocument> documents)
    {
        if (documents.Count == 0) throw new InvalidDataException("The corpus has no documents.");
        Documents = documents;
    }

    /// <summary>
    /// Every <c>.txt</c> and <c>.md</c> file under <paramref name="directory"/>, in ordinal path order; files longer
    /// than <see cref="ChunkCharacters"/> are cut at line breaks into several documents.
    /// </summary>
    public static TextCorpus FromDirectory(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Corpus folder '{directory}' does not exist.");
        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".txt", StringComparison.OrdinalIgnoreCase)
                || f.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            .Select(f => Path.GetRelativePath(directory, f))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
            throw new InvalidDataException($"Corpus folder '{directory}' contains no .txt or .md files.");

        var documents = new List<TextDocument>();
        foreach (var file in files)
        {
            var text = NormalizeNewlines(File.ReadAllText(Path.Combine(directory, file)));
            var chunks = Chunk(text).ToList();
            for (var i = 0; i < chunks.Count; i++)
                documents.Add(new TextDocument(chunks.Count == 1 ? file : $"{file}#{i + 1}", chunks[i]));
        }
        return new TextCorpus(documents.Where(d => d.Text.Length > 0).ToList());
    }

    /// <summary>One document per non-blank line of a JSON Lines file, taken from the string field <paramref name="field"/>.</summary>
    public static TextCorpus FromJsonl(string path, string field = "text")
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Corpus file '{path}' does not exist.", path);
        var documents = new List<TextDocument>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string? text;
            try
            {
                using var json = JsonDocument.Parse(line);
                text = json.RootElement.ValueKind == JsonValueKind.Object
                    && json.RootElement.TryGetProperty(field, out var value)
                    && value.ValueKind == JsonValueKind.String
                        ? value.GetString()
                        : null;
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: not valid JSON ({e.Message}).", e);
            }
            if (text is null)
                throw new InvalidDataException($"{path}:{lineNumber}: expected an object with a string field \"{field}\".");
            documents.Add(new TextDocument($"{Path.GetFileName(path)}:{lineNumber}", NormalizeNewlines(text)));
        }
        return new TextCorpus(documents);
    }

    /// <summary>
    /// Splits by a hash of each document's text, so the split never depends on order and duplicated texts always land
    /// on the same side. With two or more documents at least one is held out.
    /// </summary>
    public (IReadOnlyList<TextDocument> Train, IReadOnlyList<TextDocument> HeldOut) Split(double heldOutFraction = 0.01)
    {
        if (heldOutFraction is <= 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(heldOutFraction), "Must be between 0 and 1.");
        var threshold = (ulong)(heldOutFraction * ulong.MaxValue);
        var hashed = Documents.Select(d => (Document: d, Hash: StableHash(d.Text))).ToList();
        var heldOut = hashed.Where(h => h.Hash < threshold).Select(h => h.Document).ToList();
        if (heldOut.Count == 0 && Documents.Count >= 2)
        {
            var lowest = hashed.MinBy(h => h.Hash).Hash;
            heldOut = hashed.Where(h => h.Hash == lowest).Select(h => h.Document).ToList();
        }
        var held = heldOut.ToHashSet(ReferenceEqualityComparer.Instance);
        var train = Documents.Where(d => !held.Contains(d)).ToList();
        if (train.Count == 0)
            throw new InvalidDataException("Every document landed in the held-out split; the corpus is too small.");
        return (train, heldOut);
    }

    internal static ulong StableHash(string text) =>
        BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string NormalizeNewlines(string text) => text.Replace("\r\n", "\n").Replace('\r', '\n');

    private static IEnumerable<string> Chunk(string text)
    {
        var start = 0;
        while (text.Length - start > ChunkCharacters)
        {
            var cut = text.LastIndexOf('\n', start + ChunkCharacters, ChunkCharacters / 2);
            var end = cut >= 0 ? cut + 1 : start + ChunkCharacters;
            // Never split a surrogate pair when no line break is near.
            if (char.IsHighSurrogate(text[end - 1])) end++;
            yield return text[start..end];
            start = end;
        }
        yield return text[start..];
    }
}
