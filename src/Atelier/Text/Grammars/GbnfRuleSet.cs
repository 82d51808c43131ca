using System.Text;
using System.Text.RegularExpressions;

namespace Atelier.Text.Grammars;

/// <summary>
/// Collects the named rules of a grammar being generated. Identical bodies share one rule, which keeps grammars for
/// schemas with many similar fields small, and rule names come from hints made safe for GBNF.
/// </summary>
internal sealed class GbnfRuleSet
{
    public const string RootName = "root";

    private readonly List<(string Name, string Body)> _rules = [];
    private readonly Dictionary<string, string> _nameByBody = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal) { RootName };

    /// <summary>Defines a rule (or finds the one with the same body) and returns its name.</summary>
    public string Define(string hint, string body)
    {
        if (_nameByBody.TryGetValue(body, out var existing))
            return existing;
        string baseName = Sanitize(hint), name = baseName;
        for (int i = 2; !_names.Add(name); i++)
            name = $"{baseName}-{i}";
        _rules.Add((name, body));
        _nameByBody[body] = name;
        return name;
    }

    /// <summary>
    /// Writes the grammar with <c>root</c> first. When the root expression is a rule nothing else uses, that rule
    /// becomes the root itself rather than a one-line alias.
    /// </summary>
    public string Render(string rootExpression)
    {
        var rules = _rules.ToList();
        int inlined = rules.FindIndex(r => r.Name == rootExpression);
        string rootBody = rootExpression;
        if (inlined >= 0 && !rules.Where((_, i) => i != inlined).Any(r => References(r.Body, rootExpression)))
        {
            rootBody = rules[inlined].Body;
            rules.RemoveAt(inlined);
        }
        var text = new StringBuilder().Append(RootName).Append(" ::= ").Append(rootBody).Append('\n');
        foreach (var (name, body) in rules)
            text.Append(name).Append(" ::= ").Append(body).Append('\n');
        return text.ToString();
    }

    /// <summary>A GBNF string literal matching <paramref name="text"/> exactly.</summary>
    public static string Literal(string text)
    {
        var result = new StringBuilder("\"");
        foreach (var rune in text.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': result.Append("\\\""); break;
                case '\\': result.Append("\\\\"); break;
                case '\n': result.Append("\\n"); break;
                case '\r': result.Append("\\r"); break;
                case '\t': result.Append("\\t"); break;
                case < 0x20 or 0x7F: result.Append($"\\x{rune.Value:X2}"); break;
                default: result.Append(rune.ToString()); break;
            }
        }
        return result.Append('"').ToString();
    }

    /// <summary>Alternatives as one item that can be followed by a repetition operator or sit inside a sequence.</summary>
    public static string Group(IReadOnlyList<string> options) => options.Count switch
    {
        0 => throw new ArgumentException("a group needs at least one alternative", nameof(options)),
        1 when IsAtomic(options[0]) => options[0],
        _ => $"({string.Join(" | ", options)})",
    };

    /// <summary><paramref name="item"/> repeated between <paramref name="min"/> and <paramref name="max"/> times.</summary>
    public static string Repeat(string item, int min, int max)
    {
        string atom = Group([item]);
        return (min, max) switch
        {
            (_, 0) => "",
            (1, 1) => item,
            (0, 1) => atom + "?",
            _ when min == max => $"{atom}{{{min}}}",
            _ => $"{atom}{{{min},{max}}}",
        };
    }

    public static string Join(params IEnumerable<string> items) => string.Join(" ", items.Where(i => i.Length > 0));

    /// <summary>True when <paramref name="expression"/> is a single item: a name, literal, class or group.</summary>
    public static bool IsAtomic(string expression)
    {
        if (expression.Length == 0)
            return false;
        int depth = 0;
        for (int i = 0; i < expression.Length; i++)
        {
            char c = expression[i];
            if (c is '"' or '[')
            {
                char close = c == '"' ? '"' : ']';
                for (i++; i < expression.Length && expression[i] != close; i++)
                    if (expression[i] == '\\')
                        i++;
            }
            else if (c == '(')
                depth++;
            else if (c == ')')
                depth--;
            else if (depth == 0 && c is ' ' or '|')
                return false;
        }
        return true;
    }

    private static string Sanitize(string hint)
    {
        var name = Regex.Replace(hint, "[^A-Za-z0-9-]+", "-");
        name = Regex.Replace(name, "-{2,}", "-").Trim('-');
        return name.Length == 0 || name == RootName ? "value" : name;
    }

    private static bool References(string body, string name) =>
        Regex.IsMatch(body, $"(?<![A-Za-z0-9\"-]){Regex.Escape(name)}(?![A-Za-z0-9\"-])");
}

/// <summary>Builds a GBNF sequence, merging adjacent literals so the output reads like the JSON it produces.</summary>
internal sealed class GbnfSequenceBuilder
{
    private readonly List<(bool IsLiteral, string Text)> _parts = [];

    public GbnfSequenceBuilder Literal(string text)
    {
        if (text.Length == 0)
            return this;
        if (_parts.Count > 0 && _parts[^1].IsLiteral)
            _parts[^1] = (true, _parts[^1].Text + text);
        else
            _parts.Add((true, text));
        return this;
    }

    public GbnfSequenceBuilder Item(string expression)
    {
        if (expression.Length > 0)
            _parts.Add((false, expression));
        return this;
    }

    public GbnfSequenceBuilder Append(GbnfSequenceBuilder other)
    {
        foreach (var (isLiteral, text) in other._parts)
            _ = isLiteral ? Literal(text) : Item(text);
        return this;
    }

    public override string ToString() =>
        GbnfRuleSet.Join(_parts.Select(p => p.IsLiteral ? GbnfRuleSet.Literal(p.Text) : p.Text));
}
