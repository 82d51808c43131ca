using System.Globalization;
using System.Text;

namespace Atelier.Text.Poetry;

/// <summary>
/// GBNF grammars that make llama.cpp write a poem of an exact form: one couplet a line, <c>XXXXX，XXXXX。</c> and a
/// newline, where X is one CJK ideograph (basic block or extension A). With a rhyme table the last character of every
/// even line must come from one rhyme group, which the model chooses when it writes the end of line 2.
/// </summary>
/// <remarks>
/// The grammar covers the body only. The title and author belong in the prompt, in the training format's header
/// <c>《title》author</c> and a newline (see <see cref="Prompt"/>), so the model writes the poem that follows a header.
/// <para>
/// Rhymes are alternatives over the groups, factored so that llama.cpp follows one path until the rhyme position:
/// <c>root ::= head (rhyme-1-tail | rhyme-2-tail | …)</c>. Only there does the sampler test a token against every group,
/// so the cost grows with the number of characters in the table times the vocabulary, not with the length of the poem.
/// With the 28 groups of the full table (26k characters, 81 KB of grammar) and a 12k-character vocabulary, the rhymes
/// cost llama.cpp 0.15–0.25 s of CPU per poem, most of it at the end of line 2; restricting the table to the model's
/// vocabulary (<see cref="RhymeTable.Restrict"/>, 39 KB of grammar) brings that to about 0.1 s.
/// </para>
/// </remarks>
public static class PoemFormGrammar
{
    /// <summary>The ideographs a poem may use, as a GBNF character class.</summary>
    public const string IdeographClass = @"[\u4E00-\u9FFF\u3400-\u4DBF]";

    public const string OddLineEnd = "，", EvenLineEnd = "。";

    /// <summary>The header that the training format puts before a poem's body: <c>《春望》杜甫</c> and a newline.</summary>
    public static string Prompt(string title, string? author = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        return $"《{title.Trim()}》{author?.Trim()}\n";
    }

    /// <param name="rhyme">When given, even lines end in characters of one group; groups with fewer characters than the
    /// form has rhyming lines are left out so that no rhyme has to repeat a character.</param>
    /// <param name="titlePrefix">Text the output must start with before the body, written as is: for callers that want
    /// the header in the output rather than in the prompt (e.g. a prompt of <c>《</c> and a prefix of <c>春望》杜甫\n</c>).
    /// Null or empty: the output is the body alone.</param>
    public static string Build(PoemForm form, RhymeTable? rhyme = null, string? titlePrefix = null)
    {
        ArgumentNullException.ThrowIfNull(form);
        var grammar = new StringBuilder();
        grammar.Append("# ").Append(form.ChineseName).Append(" (").Append(form.Name).Append("): ")
            .Append(form.Lines).Append(" lines of ").Append(form.CharactersPerLine).Append(" characters\n");
        var prefix = string.IsNullOrEmpty(titlePrefix) ? "" : Literal(titlePrefix) + " ";
        int n = form.CharactersPerLine;

        var groups = rhyme?.Groups
            .Select(g => (g.Name, Characters: g.Characters.Where(IsIdeograph).ToArray()))
            .Where(g => g.Characters.Length >= form.Couplets)
            .ToList() ?? [];
        if (rhyme is not null && groups.Count == 0)
            throw new ArgumentException($"no rhyme group has the {form.Couplets} characters a {form.Name} needs", nameof(rhyme));

        if (groups.Count == 0)
        {
            grammar.Append($"root ::= {prefix}couplet{{{form.Couplets}}}\n");
            grammar.Append($"couplet ::= hanzi{{{n}}} \"{OddLineEnd}\" hanzi{{{n}}} \"{EvenLineEnd}\\n\"\n");
        }
        else
        {
            // Everything before the first rhyme position is shared, so one stack walks it, not one per group.
            grammar.Append($"root ::= {prefix}head (")
                .AppendJoin(" | ", groups.Select((_, i) => $"rhyme-{i + 1}-tail"))
                .Append(")\n");
            grammar.Append($"head ::= hanzi{{{n}}} \"{OddLineEnd}\" hanzi{{{n - 1}}}\n");
            for (int i = 0; i < groups.Count; i++)
            {
                var end = $"rhyme-{i + 1} \"{EvenLineEnd}\\n\"";
                grammar.Append($"rhyme-{i + 1}-tail ::= {end}");
                if (form.Couplets > 1) grammar.Append($" (head {end}){{{form.Couplets - 1}}}");
                grammar.Append('\n');
            }
            for (int i = 0; i < groups.Count; i++)
                grammar.Append($"# {groups[i].Name}\nrhyme-{i + 1} ::= {CharacterClass(groups[i].Characters)}\n");
        }
        grammar.Append($"hanzi ::= {IdeographClass}\n");
        return grammar.ToString();
    }

    /// <summary>Whether <paramref name="c"/> is one of the ideographs of <see cref="IdeographClass"/>.</summary>
    public static bool IsIdeograph(char c) => c is >= '\u4E00' and <= '\u9FFF' or >= '\u3400' and <= '\u4DBF';

    /// <summary>A class of ideographs in code point order, with runs of three or more written as ranges.</summary>
    private static string CharacterClass(char[] characters)
    {
        var sorted = characters.Distinct().Order().ToArray();
        var text = new StringBuilder("[");
        for (int i = 0; i < sorted.Length;)
        {
            int j = i;
            while (j + 1 < sorted.Length && sorted[j + 1] == sorted[j] + 1) j++;
            text.Append(sorted[i]);
            if (j - i >= 2) text.Append('-').Append(sorted[j]);
            else if (j > i) text.Append(sorted[j]);
            i = j + 1;
        }
        return text.Append(']').ToString();
    }

    /// <summary>A GBNF string literal; quotes, backslashes and control characters escaped as llama.cpp reads them.</summary>
    private static string Literal(string text)
    {
        var literal = new StringBuilder("\"");
        foreach (var c in text)
        {
            literal.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => "\\x" + ((int)c).ToString("X2", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }
        return literal.Append('"').ToString();
    }
}
