namespace Atelier.Text.Poetry;

/// <summary>
/// A regulated verse form (近体诗): how many lines and how many characters each. Lines pair into couplets, the first
/// line of a couplet ending in "，" and the second in "。"; the even lines carry the rhyme.
/// </summary>
public sealed record PoemForm
{
    public static readonly PoemForm Wujue = new("wujue", "五言绝句", lines: 4, charactersPerLine: 5);
    public static readonly PoemForm Qijue = new("qijue", "七言绝句", lines: 4, charactersPerLine: 7);
    public static readonly PoemForm Wulv = new("wulv", "五言律诗", lines: 8, charactersPerLine: 5);
    public static readonly PoemForm Qilv = new("qilv", "七言律诗", lines: 8, charactersPerLine: 7);

    public static IReadOnlyList<PoemForm> All { get; } = [Wujue, Qijue, Wulv, Qilv];

    private PoemForm(string name, string chineseName, int lines, int charactersPerLine)
    {
        Name = name;
        ChineseName = chineseName;
        Lines = lines;
        CharactersPerLine = charactersPerLine;
    }

    /// <summary>The name used on the command line and in settings: wujue, qijue, wulv or qilv.</summary>
    public string Name { get; }

    public string ChineseName { get; }

    public int Lines { get; }

    public int CharactersPerLine { get; }

    public int Couplets => Lines / 2;

    /// <summary>
    /// Accepts the pinyin names (any case) and the Chinese names in full or short (七言律诗, 七律); throws
    /// <see cref="ArgumentException"/> naming the accepted forms otherwise.
    /// </summary>
    public static PoemForm Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var trimmed = name.Trim();
        foreach (var form in All)
        {
            if (string.Equals(trimmed, form.Name, StringComparison.OrdinalIgnoreCase)
                || trimmed == form.ChineseName
                || trimmed == ShortChineseName(form))
                return form;
        }
        throw new ArgumentException(
            $"unknown poem form '{name}' (expected one of: {string.Join(", ", All.Select(f => f.Name))})", nameof(name));
    }

    public override string ToString() => Name;

    // 五言绝句 → 五绝, 七言律诗 → 七律.
    private static string ShortChineseName(PoemForm form) => $"{form.ChineseName[0]}{form.ChineseName[2]}";
}
