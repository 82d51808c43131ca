using System.Globalization;
using System.Text.RegularExpressions;
using Atelier.Data;

namespace Atelier.Text.Poetry;

/// <summary>A rhyme group: its name (rhyme and tone class, e.g. "麻·平") and its characters in code point order.</summary>
public sealed record RhymeGroup(string Name, string Characters);

/// <summary>
/// Which characters rhyme: each character's most common reading, reduced to a rhyme group by
/// <see cref="PinyinRhyme"/> — the final of the modern reading folded into the 中华新韵 rhymes and split by tone class.
/// A modern approximation of classical rhyme (see <see cref="PinyinRhyme"/> for where it parts from the rhyme books).
/// </summary>
/// <remarks>
/// The readings come from the npm package <c>pinyin</c> (MIT), whose bundle <c>lib/cjs/pinyin.js</c> holds the
/// character dictionary as <c>dict[0x82b1] = "huā";</c> lines, simplified and traditional characters alike, and a phrase
/// dictionary (<c>"银行": [["yín"], ["háng"]]</c>). The file is read as text; nothing of it is run. The dictionary lists
/// readings in no particular order (行 has háng first), so the reading chosen is the one the phrase dictionary uses most
/// for that character — or for its simplified form, since the phrases are written in simplified script.
/// </remarks>
public sealed partial class RhymeTable
{
    public const string Package = "pinyin", PackageVersion = "4.0.0";

    /// <summary>The file inside the package that holds both dictionaries.</summary>
    public const string DataFile = "lib/cjs/pinyin.js";

    private const string PhraseSection = "const phrases_dict = {";

    private static readonly Lazy<RhymeTable> Installed = new(() =>
    {
        var folder = NpmPackages.Ensure(Package, PackageVersion);
        return Parse(File.ReadAllText(Path.Combine(folder, DataFile)), ChineseScriptConverter.Load());
    }, LazyThreadSafetyMode.PublicationOnly); // a failed install is retried on the next call, not remembered

    private readonly Dictionary<char, string> _groupOf;

    private RhymeTable(Dictionary<char, string> groupOf)
    {
        _groupOf = groupOf;
        Groups = groupOf
            .GroupBy(p => p.Value, p => p.Key)
            .Select(g => new RhymeGroup(g.Key, new string(g.Order().ToArray())))
            .OrderByDescending(g => g.Characters.Length)
            .ThenBy(g => g.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The groups, largest first.</summary>
    public IReadOnlyList<RhymeGroup> Groups { get; }

    /// <summary>How many characters have a rhyme group.</summary>
    public int Count => _groupOf.Count;

    /// <summary>
    /// Installs the <c>pinyin</c> and <c>opencc-js</c> packages on first use; the table is read once per process.
    /// </summary>
    public static RhymeTable Load() => Installed.Value;

    /// <summary>
    /// Reads the dictionaries from the text of the package's bundle. Only characters of the Basic Multilingual Plane are
    /// kept, which covers the ideographs a poem grammar allows.
    /// </summary>
    /// <param name="toSimplified">Lends traditional characters the phrase counts of their simplified forms.</param>
    public static RhymeTable Parse(string pinyinSource, ChineseScriptConverter? toSimplified = null)
    {
        var phraseCounts = PhraseReadingCounts(pinyinSource);
        var groupOf = new Dictionary<char, string>();
        foreach (Match entry in CharacterEntry().Matches(pinyinSource))
        {
            int codePoint = int.Parse(entry.Groups[1].ValueSpan, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (codePoint > char.MaxValue) continue;
            char c = (char)codePoint;
            char simplified = toSimplified?.ToSimplified(c) ?? c;
            var readings = entry.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

            string? best = null;
            int bestCount = -1;
            foreach (var reading in readings)
            {
                if (PinyinRhyme.Group(reading) is not { } group) continue;
                int count = phraseCounts.GetValueOrDefault((c, reading));
                if (simplified != c) count += phraseCounts.GetValueOrDefault((simplified, reading));
                if (count > bestCount) (best, bestCount) = (group, count); // ties keep the first listed reading
            }
            if (best is not null) groupOf[c] = best;
        }
        if (groupOf.Count == 0)
            throw new InvalidDataException("the pinyin data holds no character readings (has the package's layout changed?)");
        return new RhymeTable(groupOf);
    }

    /// <summary>The character's rhyme group name, or null when it has none (punctuation, unknown or neutral-tone only).</summary>
    public string? GroupOf(char c) => _groupOf.GetValueOrDefault(c);

    public bool Rhymes(char a, char b) => GroupOf(a) is { } group && group == GroupOf(b);

    /// <summary>
    /// The same table limited to the given characters — typically a model's vocabulary — so that a grammar built from it
    /// offers only rhymes the model can write, and stays small.
    /// </summary>
    public RhymeTable Restrict(IEnumerable<char> characters)
    {
        var kept = new Dictionary<char, string>();
        foreach (var c in characters)
            if (_groupOf.TryGetValue(c, out var group)) kept[c] = group;
        return new RhymeTable(kept);
    }

    private static Dictionary<(char, string), int> PhraseReadingCounts(string source)
    {
        var counts = new Dictionary<(char, string), int>();
        int start = source.IndexOf(PhraseSection, StringComparison.Ordinal);
        if (start < 0) return counts;
        int end = source.IndexOf("\n};", start, StringComparison.Ordinal);
        var section = source[start..(end < 0 ? source.Length : end)];
        foreach (Match phrase in PhraseEntry().Matches(section))
        {
            var text = phrase.Groups[1].Value;
            var readings = ReadingInBrackets().Matches(phrase.Groups[2].Value);
            if (readings.Count != text.Length) continue; // phrases with non-BMP characters or odd spellings
            for (int i = 0; i < text.Length; i++)
            {
                var key = (text[i], readings[i].Groups[1].Value);
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }
        return counts;
    }

    // dict[0x82b1] = "huā"; /* 花 */
    [GeneratedRegex(@"^dict\[0x([0-9a-fA-F]+)\] = ""([^""]*)"";", RegexOptions.Multiline)]
    private static partial Regex CharacterEntry();

    //     "银行": [["yín"], ["háng"]],
    [GeneratedRegex(@"^\s+""([^""]+)"": (\[\[.*\]\]),?\s*$", RegexOptions.Multiline)]
    private static partial Regex PhraseEntry();

    // The first reading of each character's bracket: ["háng"] or ["háng", "xíng"].
    [GeneratedRegex(@"\[""([^""]*)""[^\]]*\]")]
    private static partial Regex ReadingInBrackets();
}
