using System.Diagnostics;
using Atelier.Tests.Text.Poetry;
using Atelier.Text.Copying;
using Atelier.Text.Poetry;
using Xunit.Abstractions;

namespace Atelier.Tests.Text.Copying;

/// <summary>An index of 2,000 real Tang poems, built once for the tests below.</summary>
public sealed class TangCopyIndexFixture
{
    public TangCopyIndexFixture()
    {
        Poems = ChinesePoetrySample.TangPoems;
        var clock = Stopwatch.StartNew();
        Index = NGramCopyIndex.Build(Poems.Select(p => (Title(p), p.Body)));
        BuildMs = clock.Elapsed.TotalMilliseconds;
        Characters = Poems.SelectMany(p => p.Body).Where(PoemFormGrammar.IsIdeograph).Distinct().Order().ToArray();
    }

    public IReadOnlyList<SamplePoem> Poems { get; }
    public NGramCopyIndex Index { get; }
    public double BuildMs { get; }
    public char[] Characters { get; }

    public static string Title(SamplePoem poem) => $"《{poem.Title}》{poem.Author}";
}

public sealed class NGramCopyIndexTests(TangCopyIndexFixture tang, ITestOutputHelper output) : IClassFixture<TangCopyIndexFixture>
{
    // 李白《靜夜思》 is not among the first 2,000 Tang poems; its lines serve as text the index has not seen.
    private const string Unseen = "床前明月光，疑是地上霜。\n舉頭望明月，低頭思故鄉。";

    [Fact]
    public void AnIndexedPoemIsFoundWhole()
    {
        var poem = UniquePoem(500);
        var report = tang.Index.Find(poem.Body);
        output.WriteLine($"built in {tang.BuildMs:F0} ms; {poem.Body}");
        Assert.NotNull(report.Longest);
        Assert.Equal(Count(poem.Body), report.Longest.Length);
        Assert.Equal(TrimToCharacters(poem.Body), report.Longest.Text);
        Assert.Equal(0, report.Longest.Start);
        Assert.Equal(TangCopyIndexFixture.Title(poem), report.Longest.DocumentId);
        Assert.Equal(report.Lines, report.CopiedLines);
        Assert.Equal(1.0, report.CopiedLineShare);
    }

    [Fact]
    public void RandomTextIsNotFound()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            var lines = Enumerable.Range(0, 4).Select(_ => new string(random.GetItems(tang.Characters, 5)));
            var text = string.Join("，", lines) + "。";
            var report = tang.Index.Find(text);
            Assert.True(report.Longest is null || report.Longest.Length < tang.Index.GuaranteedSpan, $"{text}: {report.Longest}");
            Assert.Equal((4, 0), (report.Lines, report.CopiedLines));
        }
        Assert.Equal(new CopyReport(null, 4, 0), tang.Index.Find(Unseen));
    }

    [Fact]
    public void CopiedLinesAreCountedAndTheLongestSpanLocated()
    {
        var poem = UniquePoem(1200);
        var couplet = poem.Body.Split('\n')[0]; // two lines of the poem, as the model might repeat them
        var text = Unseen.Split('\n')[0] + "\n" + couplet + "\n";
        var report = tang.Index.Find(text);

        Assert.Equal((4, 2, 0.5), (report.Lines, report.CopiedLines, report.CopiedLineShare));
        Assert.NotNull(report.Longest);
        Assert.Equal(TrimToCharacters(couplet), report.Longest.Text);
        Assert.Equal(text.IndexOf(couplet, StringComparison.Ordinal), report.Longest.Start);
        Assert.Equal(Count(couplet), report.Longest.Length);
    }

    [Fact]
    public void PunctuationDoesNotMatterButLineBreaksDo()
    {
        var poem = UniquePoem(800);
        var lines = Lines(poem.Body);
        var repunctuated = string.Join("、", lines);
        Assert.Equal(Count(poem.Body), tang.Index.Find(repunctuated).Longest?.Length);

        var joined = string.Concat(lines.Take(2)); // two lines run together are not text of the poem
        var report = tang.Index.Find(joined);
        Assert.Equal(lines[0].Length, report.Longest?.Length);
        Assert.Equal((1, 0), (report.Lines, report.CopiedLines));
    }

    [Fact]
    public void LookupsTakeMilliseconds()
    {
        var texts = tang.Poems.Take(200).Select(p => p.Body).ToList();
        var clock = Stopwatch.StartNew();
        foreach (var text in texts) tang.Index.Find(text);
        double perLookup = clock.Elapsed.TotalMilliseconds / texts.Count;
        output.WriteLine($"{perLookup:F3} ms a lookup over {tang.Index.DocumentCount} documents");
        Assert.True(perLookup < 20, $"{perLookup:F1} ms a lookup");
    }

    [Fact]
    public void TheIndexSurvivesSavingAndLoading()
    {
        var path = Path.Combine(Path.GetTempPath(), $"copy-index-{Guid.NewGuid():N}.bin");
        try
        {
            tang.Index.Save(path);
            output.WriteLine($"{new FileInfo(path).Length / 1024} KiB for {tang.Index.DocumentCount} documents");
            var loaded = NGramCopyIndex.Load(path);
            Assert.Equal((tang.Index.DocumentCount, tang.Index.Stride), (loaded.DocumentCount, loaded.Stride));
            foreach (var text in tang.Poems.Take(50).Select(p => p.Body).Append(Unseen))
                Assert.Equal(tang.Index.Find(text), loaded.Find(text));

            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            Assert.Throws<InvalidDataException>(() => NGramCopyIndex.Load(path));
            File.WriteAllText(path, "not an index");
            Assert.Throws<InvalidDataException>(() => NGramCopyIndex.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(1, 4)]
    [InlineData(3, 6)]
    public void TheStrideSetsTheShortestSpanAlwaysFound(int stride, int guaranteed)
    {
        var poems = tang.Poems.Take(400).ToList();
        var index = NGramCopyIndex.Build(poems.Select(p => (p.Id, p.Body)), stride);
        Assert.Equal(guaranteed, index.GuaranteedSpan);
        var spans = poems.SelectMany(p => Lines(p.Body))
            .SelectMany(line => Enumerable.Range(0, Math.Max(0, line.Length - guaranteed + 1)).Select(i => line.Substring(i, guaranteed)))
            .ToList();
        Assert.True(spans.Count > 100, $"{spans.Count} spans");
        Assert.All(spans, span => Assert.Equal(guaranteed, index.Find(span).Longest?.Length));
    }

    /// <summary>
    /// A regular poem near <paramref name="from"/>, of ideographs only, whose first line no other indexed poem has.
    /// </summary>
    private SamplePoem UniquePoem(int from) => tang.Poems.Skip(from).First(p =>
        p.Body.Length > 30 && !p.Body.Any(char.IsSurrogate) && Lines(p.Body).Select(l => l.Length).Distinct().Count() == 1
        && tang.Poems.Count(q => q.Body.Contains(Lines(p.Body)[0], StringComparison.Ordinal)) == 1);

    /// <summary>The verse lines: the runs of letters between punctuation and line breaks.</summary>
    private static string[] Lines(string text) =>
        new string(text.Select(c => char.IsLetterOrDigit(c) ? c : ' ').ToArray()).Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static int Count(string text) => text.Count(char.IsLetterOrDigit);

    private static string TrimToCharacters(string text) => text.Trim(text.Where(c => !char.IsLetterOrDigit(c)).ToArray());
}
