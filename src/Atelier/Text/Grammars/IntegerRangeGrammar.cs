using System.Globalization;

namespace Atelier.Text.Grammars;

/// <summary>
/// Digit-range decomposition: GBNF alternatives that match exactly the integers of a closed range, written as JSON
/// writes them (no leading zeros, no "-0"). The alternatives are disjoint, so the sampler never has two ways to
/// produce the same number and cannot wander into a prefix that has no valid completion.
/// </summary>
internal static class IntegerRangeGrammar
{
    /// <summary>The largest magnitude handled; bounds beyond it are clamped, which only narrows what is accepted.</summary>
    public const long MaxMagnitude = 999_999_999_999_999_999;

    /// <summary>Alternatives for the integers in [<paramref name="low"/>, <paramref name="high"/>].</summary>
    public static List<string> Signed(long low, long high)
    {
        if (low > high || low < -MaxMagnitude || high > MaxMagnitude)
            throw new ArgumentOutOfRangeException(nameof(low), $"integer range [{low}, {high}] is empty or too wide");
        var options = new List<string>();
        if (low < 0)
            options.Add(GbnfRuleSet.Join("\"-\"", GbnfRuleSet.Group(Unsigned(high < 0 ? -high : 1, -low))));
        if (high >= 0)
            options.AddRange(Unsigned(Math.Max(low, 0), high));
        return options;
    }

    /// <summary>Alternatives for the non-negative integers in [<paramref name="low"/>, <paramref name="high"/>].</summary>
    public static List<string> Unsigned(long low, long high)
    {
        var options = new List<string>();
        int highDigits = DigitCount(high);
        for (int length = DigitCount(low); length <= highDigits; length++)
        {
            long first = length == 1 ? 0 : Pow10(length - 1), last = Pow10(length) - 1;
            long from = Math.Max(low, first), to = Math.Min(high, last);
            bool nextLengthIsFull = length < highDigits && high >= Pow10(length + 1) - 1;
            if (length == 1 && from == 0 && to == 9 && nextLengthIsFull)
            {
                // "0" | [1-9] [0-9]{0,n} rather than [0-9] | [1-9] [0-9]{1,n}: one repetition covers every length.
                options.Add("\"0\"");
                from = 1;
            }
            if ((length > 1 && from == first && to == last) || (length == 1 && from == 1 && to == 9 && nextLengthIsFull))
            {
                // Every number of this length is in range; fold the following complete lengths into one repetition.
                int end = length;
                while (end < highDigits && high >= Pow10(end + 1) - 1)
                    end++;
                string rest = end == length ? AnyDigits(length - 1) : $"[0-9]{{{length - 1},{end - 1}}}";
                options.Add(GbnfRuleSet.Join("[1-9]", rest));
                length = end;
                continue;
            }
            options.AddRange(FixedWidth(Text(from), Text(to)));
        }
        return options;
    }

    /// <summary>
    /// Alternatives for the digit strings of one width between <paramref name="low"/> and <paramref name="high"/>
    /// (same length, leading zeros allowed): the shared prefix, then the low edge, the free middle and the high edge.
    /// </summary>
    public static List<string> FixedWidth(string low, string high)
    {
        if (low.Length != high.Length || string.CompareOrdinal(low, high) > 0)
            throw new ArgumentException($"'{low}' and '{high}' are not an ordered pair of equal width");
        if (low == high)
            return [DigitLiteral(low)];
        int split = 0;
        while (low[split] == high[split])
            split++;
        char a = low[split], b = high[split];
        string lowRest = low[(split + 1)..], highRest = high[(split + 1)..];
        int width = lowRest.Length;
        bool lowIsFloor = lowRest.All(c => c == '0'), highIsCeiling = highRest.All(c => c == '9');

        var options = new List<string>();
        if (!lowIsFloor)
            options.Add(Prefixed(a.ToString(), FixedWidth(lowRest, new string('9', width))));
        char middleFrom = lowIsFloor ? a : (char)(a + 1), middleTo = highIsCeiling ? b : (char)(b - 1);
        if (middleFrom <= middleTo)
            options.Add(GbnfRuleSet.Join(DigitClass(middleFrom, middleTo), AnyDigits(width)));
        if (!highIsCeiling)
            options.Add(Prefixed(b.ToString(), FixedWidth(new string('0', width), highRest)));
        return split == 0 ? options : [Prefixed(low[..split], options)];
    }

    private static string Prefixed(string digits, List<string> rest)
    {
        // "1" "23" reads better as "123": merge when the rest is a single option that starts with a literal.
        if (rest.Count == 1 && rest[0].StartsWith('"'))
            return "\"" + digits + rest[0][1..];
        return GbnfRuleSet.Join(DigitLiteral(digits), GbnfRuleSet.Group(rest));
    }

    private static string DigitLiteral(string digits) => $"\"{digits}\"";

    private static string DigitClass(char from, char to) => (from, to) switch
    {
        _ when from == to => DigitLiteral(from.ToString()),
        ('0', '9') => "[0-9]",
        _ => $"[{from}-{to}]",
    };

    public static string AnyDigits(int count) => count switch
    {
        0 => "",
        1 => "[0-9]",
        _ => $"[0-9]{{{count}}}",
    };

    public static long Pow10(int exponent)
    {
        long value = 1;
        for (int i = 0; i < exponent; i++)
            value *= 10;
        return value;
    }

    private static int DigitCount(long value) => Text(value).Length;

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
