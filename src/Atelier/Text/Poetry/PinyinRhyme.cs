namespace Atelier.Text.Poetry;

/// <summary>
/// From one pinyin syllable with tone marks (as the <c>pinyin</c> package writes them: "shuāng", "lüè") to its rhyme
/// group: the final (韵母) folded into the fourteen rhymes of 中华新韵, plus the tone class — level (平, tones 1 and 2)
/// or oblique (仄, tones 3 and 4).
/// </summary>
/// <remarks>
/// This is a modern approximation of classical rhyme. Finals that differ only in their medial (a/ia/ua, an/ian/uan/üan)
/// rhyme, as they do in the classical rhyme books, and the tone class keeps level and oblique rhymes apart, as regulated
/// verse does. What it cannot know: the entering tone (入声) merged into all four modern tones, so 白 (bái) counts as level
/// although it was oblique, and some classical rhymes split differently (侵 with 文, 簪 zān with 寒).
/// </remarks>
internal static class PinyinRhyme
{
    public const string Level = "平", Oblique = "仄";

    private const string Marked = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ";
    private const string Bases = "aeiouü";

    private static readonly string[] Initials =
        ["zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c", "s", "y", "w"];

    private static readonly Dictionary<string, string> RhymeOfFinal = BuildRhymes();

    /// <summary>The group name, e.g. "麻·平", or null for neutral-tone readings and syllables outside the rhymes (m, ng).</summary>
    public static string? Group(string syllable)
    {
        var (plain, tone) = StripTone(syllable);
        if (tone == 0 || plain is null) return null;
        var final = Final(plain);
        if (final is null || !RhymeOfFinal.TryGetValue(final, out var rhyme)) return null;
        return $"{rhyme}·{(tone <= 2 ? Level : Oblique)}";
    }

    /// <summary>The syllable without tone marks and its tone (1–4; 0 for the neutral tone).</summary>
    internal static (string? Plain, int Tone) StripTone(string syllable)
    {
        var chars = syllable.Trim().ToLowerInvariant().ToCharArray();
        int tone = 0;
        for (int i = 0; i < chars.Length; i++)
        {
            int marked = Marked.IndexOf(chars[i]);
            if (marked >= 0)
            {
                tone = marked % 4 + 1;
                chars[i] = Bases[marked / 4];
            }
            else if (chars[i] == 'v')
            {
                chars[i] = 'ü';
            }
            else if (chars[i] is < 'a' or > 'z' && chars[i] != 'ü')
            {
                return (null, 0); // ḿ, ń, ê with marks: interjections that rhyme with nothing
            }
        }
        return (new string(chars), tone);
    }

    /// <summary>The final of a toneless syllable, in the standard spelling (yue → üe, wei → uei, zhi → -i).</summary>
    internal static string? Final(string plain)
    {
        if (plain is "er" or "ê") return plain;
        var initial = Initials.FirstOrDefault(plain.StartsWith) ?? "";
        var rest = plain[initial.Length..];
        if (rest.Length == 0) return null; // m, n, ng, hm, hng
        switch (initial)
        {
            case "y":
                if (rest[0] == 'u') return "ü" + rest[1..];
                if (rest[0] == 'i' || rest == "o") return rest;
                return rest == "ong" ? "iong" : "i" + rest;
            case "w":
                return rest == "u" ? "u" : "u" + rest;
            case "j" or "q" or "x" when rest[0] == 'u':
                return "ü" + rest[1..];
            case "zh" or "ch" or "sh" or "r" or "z" or "c" or "s" when rest == "i":
                return "-i";
            default:
                return rest;
        }
    }

    private static Dictionary<string, string> BuildRhymes()
    {
        (string Rhyme, string[] Finals)[] rhymes =
        [
            ("麻", ["a", "ia", "ua"]),
            ("波", ["o", "e", "uo", "io"]),
            ("皆", ["ie", "üe", "ue", "ê"]),
            ("开", ["ai", "uai"]),
            ("微", ["ei", "ui", "uei"]),
            ("豪", ["ao", "iao"]),
            ("尤", ["ou", "iu", "iou"]),
            ("寒", ["an", "ian", "uan", "üan"]),
            ("文", ["en", "in", "un", "uen", "ün"]),
            ("唐", ["ang", "iang", "uang"]),
            ("庚", ["eng", "ing", "ueng", "ong", "iong"]),
            ("齐", ["i", "er", "ü"]),
            ("支", ["-i"]),
            ("姑", ["u"]),
        ];
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (rhyme, finals) in rhymes)
            foreach (var final in finals) map[final] = rhyme;
        return map;
    }
}
