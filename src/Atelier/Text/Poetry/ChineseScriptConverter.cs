using System.Text;
using Atelier.Data;

namespace Atelier.Text.Poetry;

/// <summary>
/// Traditional → simplified Chinese with OpenCC's <c>t2s</c> tables as the npm package <c>opencc-js</c> ships them:
/// compatibility ideographs are first replaced by their unified forms, then phrases (TSPhrases) and characters
/// (TSCharacters) are converted by forward longest match, as OpenCC chains them.
/// </summary>
/// <remarks>
/// The tables are the package's <c>dist/esm-lib/dict/*.js</c> files (opencc-js is MIT, its tables Apache-2.0 as derived
/// from OpenCC's data). Each is one JavaScript string literal of <c>key value|key value|…</c> pairs, read here as text.
/// Debian offers no alternative: <c>libopencc-data</c> holds only the JSON configurations, and the dictionaries in
/// <c>libopencc1.1</c> are compiled (<c>.ocd2</c>).
/// </remarks>
public sealed class ChineseScriptConverter
{
    public const string Package = "opencc-js", PackageVersion = "1.4.2";

    /// <summary>The table files inside the package, in the order they apply.</summary>
    public static readonly IReadOnlyList<string> TableFiles =
    [
        "dist/esm-lib/dict/CJK_Compatibility_Ideographs.js",
        "dist/esm-lib/dict/TSPhrases.js",
        "dist/esm-lib/dict/TSCharacters.js",
    ];

    private static readonly Lazy<ChineseScriptConverter> Installed = new(() =>
    {
        var folder = NpmPackages.Ensure(Package, PackageVersion);
        var tables = TableFiles.Select(f => File.ReadAllText(Path.Combine(folder, f))).ToArray();
        return FromTables(tables[0], tables[1], tables[2]);
    }, LazyThreadSafetyMode.PublicationOnly); // a failed install is retried on the next call, not remembered

    private readonly Dictionary<string, string> _normalize;
    private readonly Dictionary<string, string> _convert;
    private readonly int _longestKey;

    private ChineseScriptConverter(Dictionary<string, string> normalize, Dictionary<string, string> convert)
    {
        _normalize = normalize;
        _convert = convert;
        _longestKey = convert.Keys.Max(k => k.Length);
    }

    /// <summary>How many characters and phrases the conversion table holds.</summary>
    public int Count => _convert.Count;

    /// <summary>Installs <c>opencc-js</c> on first use; the tables are read once per process.</summary>
    public static ChineseScriptConverter Load() => Installed.Value;

    /// <summary>Builds a converter from the text of the three table files (see <see cref="TableFiles"/>).</summary>
    public static ChineseScriptConverter FromTables(string compatibilityIdeographs, string phrases, string characters)
    {
        var normalize = ReadTable(compatibilityIdeographs, "CJK_Compatibility_Ideographs");
        var convert = ReadTable(characters, "TSCharacters");
        foreach (var (key, value) in ReadTable(phrases, "TSPhrases")) convert[key] = value;
        return new ChineseScriptConverter(normalize, convert);
    }

    public string ToSimplified(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Replace(Replace(text, _normalize, maxKey: 2), _convert, _longestKey);
    }

    /// <summary>One character's simplified form when the character table maps it to a single character, else itself.</summary>
    public char ToSimplified(char c)
    {
        var key = c.ToString();
        if (_normalize.TryGetValue(key, out var unified) && unified.Length == 1) key = unified;
        return _convert.TryGetValue(key, out var simplified) && simplified.Length == 1 ? simplified[0] : key[0];
    }

    private static string Replace(string text, Dictionary<string, string> table, int maxKey)
    {
        var lookup = table.GetAlternateLookup<ReadOnlySpan<char>>();
        StringBuilder? result = null; // most text needs no change; only then is a copy made
        int copied = 0, i = 0;
        while (i < text.Length)
        {
            int step = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            string? replacement = null;
            int matched = 0;
            for (int length = Math.Min(maxKey, text.Length - i); length >= step; length--)
            {
                if (lookup.TryGetValue(text.AsSpan(i, length), out replacement)) { matched = length; break; }
            }
            if (replacement is null || text.AsSpan(i, matched).SequenceEqual(replacement))
            {
                i += Math.Max(step, matched);
                continue;
            }
            result ??= new StringBuilder(text.Length);
            result.Append(text, copied, i - copied).Append(replacement);
            i += matched;
            copied = i;
        }
        return result is null ? text : result.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>Reads <c>export default "key value|key value";</c>: the first value is OpenCC's default choice.</summary>
    private static Dictionary<string, string> ReadTable(string source, string name)
    {
        int open = source.IndexOf('"'), close = source.LastIndexOf('"');
        if (open < 0 || close <= open) throw new InvalidDataException($"the OpenCC table {name} holds no string literal");
        var body = source.AsSpan(open + 1, close - open - 1);
        if (body.Contains('\\')) throw new InvalidDataException($"the OpenCC table {name} uses escapes, which this reader does not expect");

        var table = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var range in body.Split('|'))
        {
            var entry = body[range];
            int space = entry.IndexOf(' ');
            if (space <= 0) continue;
            var values = entry[(space + 1)..];
            int next = values.IndexOf(' ');
            table.TryAdd(entry[..space].ToString(), (next < 0 ? values : values[..next]).ToString());
        }
        if (table.Count == 0) throw new InvalidDataException($"the OpenCC table {name} is empty");
        return table;
    }
}
