namespace Atelier.Text.Poetry;

/// <summary>
/// Whether a text is a poem of an exact form, one couplet a line as the grammar and the training format write it:
/// <c>XXXXX，XXXXX。</c> with X an ideograph of <see cref="PoemFormGrammar.IdeographClass"/>. Used to measure how well a
/// model keeps a form with and without the grammar.
/// </summary>
/// <remarks>
/// Couplets may also close with "？" or "！", which the corpus uses where a couplet asks or exclaims; the grammar
/// writes only "。". Trailing newlines are ignored; anything else (a title line, spaces, a missing line) fails.
/// </remarks>
public static class PoemFormChecker
{
    private const string CoupletEnds = "。？！";

    public static bool Check(string text, PoemForm form) => Couplets(text, form) is not null;

    /// <summary>
    /// Whether the text has the form and the last characters of its even lines all belong to one rhyme group of the table.
    /// </summary>
    public static bool RhymesOk(string text, PoemForm form, RhymeTable rhymes)
    {
        ArgumentNullException.ThrowIfNull(rhymes);
        if (Couplets(text, form) is not { } couplets) return false;
        var group = rhymes.GroupOf(RhymeCharacter(couplets[0], form));
        return group is not null && couplets.All(c => rhymes.GroupOf(RhymeCharacter(c, form)) == group);
    }

    /// <summary>The couplet lines when the text has the form, else null.</summary>
    private static string[]? Couplets(string text, PoemForm form)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(form);
        var couplets = text.TrimEnd('\n').Split('\n');
        if (couplets.Length != form.Couplets) return null;
        return couplets.All(c => IsCouplet(c, form.CharactersPerLine)) ? couplets : null;
    }

    /// <summary>The last character of the couplet's second line: the one that rhymes.</summary>
    private static char RhymeCharacter(string couplet, PoemForm form) => couplet[2 * form.CharactersPerLine];

    private static bool IsCouplet(string line, int n)
    {
        if (line.Length != 2 * n + 2) return false;
        for (int i = 0; i < n; i++)
        {
            if (!PoemFormGrammar.IsIdeograph(line[i]) || !PoemFormGrammar.IsIdeograph(line[n + 1 + i])) return false;
        }
        return line[n] == PoemFormGrammar.OddLineEnd[0] && CoupletEnds.Contains(line[2 * n + 1]);
    }
}
