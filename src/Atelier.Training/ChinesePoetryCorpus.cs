using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Atelier.Text.Training;

/// <summary>Which parts of the chinese-poetry collection to load.</summary>
public sealed record ChinesePoetryOptions
{
    public bool TangShi { get; init; } = true;
    public bool SongShi { get; init; } = true;

    /// <summary>Song ci (宋词); already in simplified script in the source.</summary>
    public bool SongCi { get; init; }

    /// <summary>Convert traditional to simplified characters with OpenCC's tables (see <see cref="TraditionalToSimplified"/>).</summary>
    public bool Simplified { get; init; }

    /// <summary>Stop after this many poems (for quick experiments); null loads everything.</summary>
    public int? MaxPoems { get; init; }

}

/// <summary>
/// Loads the shi (诗) and ci (词) of the npm package <c>chinese-poetry</c>, installing it on first use.
/// </summary>
/// <remarks>
/// Each poem becomes one document in a promptable format: the title in 《》 followed by the author on the first line,
/// then one line per source paragraph (usually a couplet with its punctuation), e.g.
/// <code>
/// 《静夜思》李白
/// 床前明月光，疑是地上霜。
/// 举头望明月，低头思故乡。
/// </code>
/// so prompting a trained model with <c>《title》author\n</c> asks it for a poem. Ci use their tune name (词牌) as title.
/// </remarks>
public static partial class ChinesePoetryCorpus
{
    public const string PackageName = "chinese-poetry";
    public const string PackageVersion = "2.0.1";

    public static TextCorpus Load(ChinesePoetryOptions options)
    {
        return Load(Atelier.Data.NpmPackages.Ensure(PackageName, PackageVersion), options);
    }

    /// <summary>Loads from an already installed package folder (the one holding <c>package.json</c>).</summary>
    public static TextCorpus Load(string packageDirectory, ChinesePoetryOptions options)
    {
        var converter = options.Simplified ? TraditionalToSimplified.Load() : null;
        var documents = new List<TextDocument>();
        var limit = options.MaxPoems ?? int.MaxValue;

        void AddAll(IEnumerable<string> files, string titleField)
        {
            foreach (var file in files)
            {
                foreach (var poem in ReadPoems(file, titleField))
                {
                    if (documents.Count >= limit) return;
                    var text = converter?.Convert(poem.Text) ?? poem.Text;
                    documents.Add(new TextDocument($"{Path.GetFileName(file)}#{poem.Index}", text));
                }
            }
        }

        string[] shiFolders = ["全唐诗", "quantangshi"];
        if (options.TangShi) AddAll(FindFiles(packageDirectory, shiFolders, TangFile()), "title");
        if (options.SongShi) AddAll(FindFiles(packageDirectory, shiFolders, SongFile()), "title");
        if (options.SongCi) AddAll(FindFiles(packageDirectory, ["宋词", "songci"], CiFile()), "rhythmic");
        if (documents.Count == 0)
            throw new InvalidDataException($"No poems were found in '{packageDirectory}' for the selected collections.");
        return new TextCorpus(documents);
    }

    /// <summary>Renders one poem in the corpus format; null when it has no body.</summary>
    public static string? Format(string? title, string? author, IEnumerable<string> paragraphs)
    {
        var lines = paragraphs.Select(p => p.Trim()).Where(p => p.Length > 0).ToList();
        if (lines.Count == 0) return null;
        var text = new StringBuilder();
        text.Append('《').Append(title?.Trim()).Append('》').Append(author?.Trim()).Append('\n');
        text.AppendJoin('\n', lines);
        return text.ToString();
    }

    private static IEnumerable<(int Index, string Text)> ReadPoems(string file, string titleField)
    {
        using var stream = File.OpenRead(file);
        using var json = JsonDocument.Parse(stream);
        if (json.RootElement.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"'{file}' is not a JSON array of poems.");
        var index = 0;
        foreach (var poem in json.RootElement.EnumerateArray())
        {
            index++;
            if (poem.ValueKind != JsonValueKind.Object
                || !poem.TryGetProperty("paragraphs", out var paragraphs)
                || paragraphs.ValueKind != JsonValueKind.Array)
                continue;
            var text = Format(StringField(poem, titleField), StringField(poem, "author"),
                paragraphs.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.String).Select(p => p.GetString()!));
            if (text is not null) yield return (index, text);
        }
    }

    private static string? StringField(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static IEnumerable<string> FindFiles(string packageDirectory, string[] folderNames, Regex pattern)
    {
        // The collection's own repository names folders in Chinese; the npm build renames them to pinyin under dist/.
        var folder = folderNames
            .SelectMany(name => new[] { Path.Combine(packageDirectory, name), Path.Combine(packageDirectory, "dist", name) })
            .FirstOrDefault(Directory.Exists);
        if (folder is null) return [];
        return Directory.EnumerateFiles(folder)
            .Select(f => (File: f, Match: pattern.Match(Path.GetFileName(f))))
            .Where(x => x.Match.Success)
            .OrderBy(x => long.Parse(x.Match.Groups[1].ValueSpan))
            .Select(x => x.File)
            .ToList();
    }

    [GeneratedRegex(@"^poet\.tang\.(\d+)\.json$")]
    private static partial Regex TangFile();

    [GeneratedRegex(@"^poet\.song\.(\d+)\.json$")]
    private static partial Regex SongFile();

    [GeneratedRegex(@"^ci\.song\.(\d+)\.json$")]
    private static partial Regex CiFile();
}
