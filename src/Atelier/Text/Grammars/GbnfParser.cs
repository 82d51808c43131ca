using System.Buffers;
using System.Globalization;
using System.Text;

namespace Atelier.Text.Grammars;

/// <summary>A node of a parsed GBNF rule body.</summary>
internal abstract record GbnfNode;

/// <summary>Alternatives separated by <c>|</c>; a rule body or a parenthesised group.</summary>
internal sealed record GbnfChoice(IReadOnlyList<GbnfSequence> Options) : GbnfNode;

internal sealed record GbnfSequence(IReadOnlyList<GbnfNode> Items) : GbnfNode;

/// <summary>A quoted literal, held as Unicode code points because llama.cpp matches code points, not UTF-16 units.</summary>
internal sealed record GbnfLiteral(IReadOnlyList<int> CodePoints) : GbnfNode;

internal sealed record GbnfCharClass(bool Negated, IReadOnlyList<(int Low, int High)> Ranges) : GbnfNode
{
    public bool Matches(int codePoint)
    {
        bool inRanges = Ranges.Any(r => r.Low <= codePoint && codePoint <= r.High);
        return inRanges != Negated;
    }
}

internal sealed record GbnfAnyChar : GbnfNode;

internal sealed record GbnfRuleRef(string Name, int Line) : GbnfNode;

/// <summary><c>*</c>, <c>+</c>, <c>?</c> and <c>{m,n}</c>; a null maximum means unbounded.</summary>
internal sealed record GbnfRepeat(GbnfNode Item, int Min, int? Max) : GbnfNode;

internal sealed record GbnfRule(string Name, int Line, GbnfChoice Body);

/// <summary>
/// Recursive-descent parser that follows llama.cpp's own grammar parser closely (same whitespace, newline and escape rules),
/// so that text it accepts is text llama.cpp accepts. Errors carry the 1-based line of the offending character.
/// </summary>
internal sealed class GbnfParser
{
    // llama.cpp refuses larger bounded repetitions with "number of repetitions exceeds sane defaults".
    internal const int MaxRepetitions = 2000;

    private readonly string _text;
    private readonly List<int> _lineStarts = [0];
    private int _pos;

    private GbnfParser(string text)
    {
        _text = text;
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '\n')
                _lineStarts.Add(i + 1);
    }

    public static IReadOnlyList<GbnfRule> Parse(string text)
    {
        var parser = new GbnfParser(text);
        var rules = new List<GbnfRule>();
        parser.SkipSpace(newlineOk: true);
        while (!parser.AtEnd)
            rules.Add(parser.ParseRule());
        return rules;
    }

    private bool AtEnd => _pos >= _text.Length;
    private char Current => _pos < _text.Length ? _text[_pos] : '\0';
    private char Peek(int offset) => _pos + offset < _text.Length ? _text[_pos + offset] : '\0';

    private GbnfRule ParseRule()
    {
        int line = LineAt(_pos);
        string name = ParseName();
        SkipSpace(newlineOk: false);
        if (!(Current == ':' && Peek(1) == ':' && Peek(2) == '='))
            throw Error($"expected '::=' after rule name '{name}'");
        _pos += 3;
        SkipSpace(newlineOk: true);
        var body = ParseChoice(nested: false);
        if (Current == '\r')
            _pos += Peek(1) == '\n' ? 2 : 1;
        else if (Current == '\n')
            _pos++;
        else if (!AtEnd)
            throw Error($"unexpected {Describe(Current)} in rule '{name}'");
        SkipSpace(newlineOk: true);
        return new GbnfRule(name, line, body);
    }

    private GbnfChoice ParseChoice(bool nested)
    {
        var options = new List<GbnfSequence> { ParseSequence(nested) };
        while (Current == '|')
        {
            _pos++;
            SkipSpace(newlineOk: true);
            options.Add(ParseSequence(nested));
        }
        return new GbnfChoice(options);
    }

    private GbnfSequence ParseSequence(bool nested)
    {
        var items = new List<GbnfNode>();
        while (!AtEnd)
        {
            char c = Current;
            if (c == '"')
                items.Add(ParseLiteral());
            else if (c == '[')
                items.Add(ParseCharClass());
            else if (IsWordChar(c))
            {
                int line = LineAt(_pos);
                items.Add(new GbnfRuleRef(ParseName(), line));
            }
            else if (c == '(')
            {
                int open = _pos;
                _pos++;
                SkipSpace(newlineOk: true);
                var group = ParseChoice(nested: true);
                if (Current != ')')
                    throw Error($"expected ')' to close the '(' from line {LineAt(open)} but found {Describe(Current)}");
                _pos++;
                items.Add(group);
            }
            else if (c == '.')
            {
                _pos++;
                items.Add(new GbnfAnyChar());
            }
            else if (c is '*' or '+' or '?')
            {
                _pos++;
                items.Add(Repeat(items, c == '+' ? 1 : 0, c == '?' ? 1 : null, c.ToString()));
            }
            else if (c == '{')
            {
                var (min, max) = ParseBraces();
                items.Add(Repeat(items, min, max, "{"));
            }
            else
                break;
            SkipSpace(nested);
        }
        return new GbnfSequence(items);
    }

    private GbnfRepeat Repeat(List<GbnfNode> items, int min, int? max, string op)
    {
        // An empty literal leaves nothing for llama.cpp to repeat, and it rejects the grammar for that.
        if (items.Count == 0 || items[^1] is GbnfLiteral { CodePoints.Count: 0 })
            throw Error($"'{op}' must follow an item");
        var item = items[^1];
        items.RemoveAt(items.Count - 1);
        return new GbnfRepeat(item, min, max);
    }

    private (int Min, int? Max) ParseBraces()
    {
        _pos++;
        SkipSpace(newlineOk: false);
        int min = ParseInt();
        SkipSpace(newlineOk: false);
        int? max;
        if (Current == '}')
            max = min;
        else if (Current == ',')
        {
            _pos++;
            SkipSpace(newlineOk: false);
            max = char.IsAsciiDigit(Current) ? ParseInt() : null;
            SkipSpace(newlineOk: false);
            if (Current != '}')
                throw Error($"expected '}}' to close the repetition but found {Describe(Current)}");
        }
        else
            throw Error($"expected ',' or '}}' in the repetition but found {Describe(Current)}");
        _pos++;
        if (max < min)
            throw Error($"repetition {{{min},{max}}} has its maximum below its minimum");
        if ((max ?? min) > MaxRepetitions)
            throw Error($"repetition count above {MaxRepetitions}, which llama.cpp rejects");
        return (min, max);
    }

    private int ParseInt()
    {
        int start = _pos;
        while (char.IsAsciiDigit(Current))
            _pos++;
        if (start == _pos)
            throw Error($"expected a number in the repetition but found {Describe(Current)}");
        if (!int.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            throw Error("repetition count is too large");
        return value;
    }

    private GbnfLiteral ParseLiteral()
    {
        int open = _pos;
        _pos++;
        var codePoints = new List<int>();
        while (Current != '"')
        {
            if (AtEnd)
                throw Error($"string literal opened on line {LineAt(open)} is never closed", open);
            if (Current is '\n' or '\r')
                throw Error("string literal runs past the end of the line; write \\n for a newline", open);
            codePoints.Add(ParseChar());
        }
        _pos++;
        return new GbnfLiteral(codePoints);
    }

    private GbnfCharClass ParseCharClass()
    {
        int open = _pos;
        _pos++;
        bool negated = Current == '^';
        if (negated)
            _pos++;
        var ranges = new List<(int, int)>();
        while (Current != ']')
        {
            if (AtEnd || Current is '\n' or '\r')
                throw Error("character class is never closed with ']'", open);
            int low = ParseChar();
            int high = low;
            if (Current == '-' && Peek(1) != ']')
            {
                _pos++;
                if (AtEnd)
                    throw Error("character class is never closed with ']'", open);
                high = ParseChar();
                if (high < low)
                    throw Error($"character range {Format(low)}-{Format(high)} is reversed");
            }
            ranges.Add((low, high));
        }
        _pos++;
        if (ranges.Count == 0)
            throw Error("character class is empty", open);
        return new GbnfCharClass(negated, ranges);
    }

    private int ParseChar()
    {
        if (Current == '\\')
        {
            char kind = Peek(1);
            _pos += 2;
            switch (kind)
            {
                case 'x': return ParseHex(2);
                case 'u': return ParseHex(4);
                case 'U': return ParseHex(8);
                case 't': return '\t';
                case 'r': return '\r';
                case 'n': return '\n';
                case '\\' or '"' or '[' or ']': return kind;
                case '\0' when _pos > _text.Length: throw Error("input ends inside an escape");
                default: throw Error($"unknown escape '\\{kind}'", _pos - 2);
            }
        }
        if (Rune.DecodeFromUtf16(_text.AsSpan(_pos), out var rune, out int length) != OperationStatus.Done)
            throw Error("the text holds a broken UTF-16 surrogate pair");
        _pos += length;
        return rune.Value;
    }

    private int ParseHex(int digits)
    {
        int value = 0;
        for (int i = 0; i < digits; i++, _pos++)
        {
            if (!char.IsAsciiHexDigit(Current))
                throw Error($"expected {digits} hex digits in the escape");
            value = value * 16 + (Current <= '9' ? Current - '0' : (Current | 0x20) - 'a' + 10);
        }
        return value;
    }

    private string ParseName()
    {
        int start = _pos;
        while (IsWordChar(Current))
            _pos++;
        if (start == _pos)
            throw Error($"expected a rule name but found {Describe(Current)}");
        return _text[start.._pos];
    }

    private void SkipSpace(bool newlineOk)
    {
        while (!AtEnd)
        {
            char c = Current;
            if (c == '#')
                while (!AtEnd && Current is not ('\r' or '\n'))
                    _pos++;
            else if (c is ' ' or '\t' || (newlineOk && c is '\r' or '\n'))
                _pos++;
            else
                break;
        }
    }

    internal static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '-';

    private static string Describe(char c) => c switch
    {
        '\0' => "end of input",
        '\n' or '\r' => "end of line",
        _ => $"'{c}'",
    };

    private static string Format(int codePoint) =>
        codePoint is > 0x20 and < 0x7F ? ((char)codePoint).ToString() : $"U+{codePoint:X4}";

    private int LineAt(int position)
    {
        int index = _lineStarts.BinarySearch(position);
        return index >= 0 ? index + 1 : ~index;
    }

    private GrammarException Error(string problem, int? position = null) =>
        new($"GBNF line {LineAt(position ?? _pos)}: {problem}");
}
