using System.Globalization;

namespace Atelier.Text.Grammars;

/// <summary>
/// GBNF alternatives for decimal literals (<c>-?int(.frac)?</c>, no exponent) whose value lies within bounds.
/// Each side of zero is handled as a range of magnitudes, split by integer part: the integer parts strictly inside the
/// range take any fraction, and the two edge integer parts take only the fractions that stay within the bound.
/// Fractions are compared as fixed-point integers scaled by 10^digits, so that every fraction length reuses the
/// digit-range decomposition of <see cref="IntegerRangeGrammar"/>.
/// </summary>
internal static class NumberRangeGrammar
{
    public static List<string> Signed(decimal low, bool lowExclusive, decimal high, bool highExclusive, int fractionDigits)
    {
        var options = new List<string>();
        if (high > 0 || (high == 0 && !highExclusive))
        {
            var (from, fromExclusive) = low < 0 ? (0m, false) : (low, lowExclusive);
            options.AddRange(Magnitudes(from, fromExclusive, high, highExclusive, fractionDigits));
        }
        if (low < 0)
        {
            // A negative literal's magnitude must be above zero: "-0" and "-0.0" are left to the non-negative side.
            var (from, fromExclusive) = high >= 0 ? (0m, true) : (-high, highExclusive);
            var magnitudes = Magnitudes(from, fromExclusive, -low, lowExclusive, fractionDigits);
            if (magnitudes.Count > 0)
                options.Add(GbnfRuleSet.Join("\"-\"", GbnfRuleSet.Group(magnitudes)));
        }
        return options;
    }

    /// <summary>Unsigned literals whose value is in the range from <paramref name="low"/> to <paramref name="high"/>.</summary>
    private static List<string> Magnitudes(decimal low, bool lowExclusive, decimal high, bool highExclusive, int digits)
    {
        var options = new List<string>();
        if (low > high)
            return options;
        long scale = IntegerRangeGrammar.Pow10(digits);
        long lowInteger = (long)decimal.Floor(low), highInteger = (long)decimal.Floor(high);
        decimal lowScaled = (low - lowInteger) * scale, highScaled = (high - highInteger) * scale;
        long lowFraction = lowExclusive ? (long)decimal.Floor(lowScaled) + 1 : (long)decimal.Ceiling(lowScaled);
        long highFraction = highExclusive ? (long)decimal.Ceiling(highScaled) - 1 : (long)decimal.Floor(highScaled);

        if (lowInteger == highInteger)
        {
            AddEdge(lowInteger, lowFraction, highFraction);
            return options;
        }
        long middleFrom = lowInteger + 1;
        if (lowFraction == 0)
            middleFrom = lowInteger;
        else
            AddEdge(lowInteger, lowFraction, scale - 1);
        if (middleFrom <= highInteger - 1)
        {
            var integers = GbnfRuleSet.Group(IntegerRangeGrammar.Unsigned(middleFrom, highInteger - 1));
            options.Add(GbnfRuleSet.Join(integers, AnyFraction(digits)));
        }
        AddEdge(highInteger, 0, highFraction);
        return options;

        void AddEdge(long integer, long fromFraction, long toFraction)
        {
            if (Fraction(fromFraction, toFraction, digits) is { } fraction)
                options.Add(GbnfRuleSet.Join($"\"{integer.ToString(CultureInfo.InvariantCulture)}\"", fraction));
        }
    }

    /// <summary>
    /// The optional fraction whose value times 10^<paramref name="digits"/> lies in [<paramref name="low"/>,
    /// <paramref name="high"/>], or null when none does. A one-sided limit is a lexicographic comparison of the digits
    /// (a shorter fraction reads as if padded with zeros); with both limits, each fraction length is a plain
    /// fixed-width digit range.
    /// </summary>
    private static string? Fraction(long low, long high, int digits)
    {
        long scale = IntegerRangeGrammar.Pow10(digits);
        if (low > high || low >= scale || high < 0)
            return null;
        if (low == 0 && high == scale - 1)
            return AnyFraction(digits);
        if (high == scale - 1)
            return GbnfRuleSet.Join("\".\"", AtLeast(Significant(low, digits), 0, digits));
        if (low == 0)
            return GbnfRuleSet.Repeat(GbnfRuleSet.Join("\".\"", AtMost(Significant(high, digits), 0, digits)), 0, 1);

        var options = new List<string>();
        for (int length = 1; length <= digits; length++)
        {
            long unit = IntegerRangeGrammar.Pow10(digits - length);
            long from = (low + unit - 1) / unit, to = high / unit;
            if (from > to)
                continue;
            var body = IntegerRangeGrammar.FixedWidth(Padded(from, length), Padded(to, length));
            options.Add(GbnfRuleSet.Join("\".\"", GbnfRuleSet.Group(body)));
        }
        return options.Count == 0 ? null : GbnfRuleSet.Group(options);
    }

    /// <summary>The fraction digits of a scaled value without trailing zeros ("500000" becomes "5").</summary>
    private static string Significant(long scaled, int digits) => Padded(scaled, digits).TrimEnd('0');

    private static string Padded(long value, int width) =>
        value.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');

    /// <summary>Digit strings (at most <paramref name="digits"/> long, at least one digit) not below 0.<paramref name="limit"/>,
    /// having already matched the first <paramref name="matched"/> digits of the limit.</summary>
    private static string AtLeast(string limit, int matched, int digits)
    {
        int left = digits - matched;
        if (matched == limit.Length)
            return GbnfRuleSet.Repeat("[0-9]", 0, left);
        char digit = limit[matched];
        string equal = AtLeast(limit, matched + 1, digits);
        if (matched + 1 == limit.Length)
            return GbnfRuleSet.Join(Digits(digit, '9'), GbnfRuleSet.Repeat("[0-9]", 0, left - 1));
        var options = new List<string>();
        if (digit < '9')
            options.Add(GbnfRuleSet.Join(Digits((char)(digit + 1), '9'), GbnfRuleSet.Repeat("[0-9]", 0, left - 1)));
        options.Add(GbnfRuleSet.Join($"\"{digit}\"", equal));
        return GbnfRuleSet.Group(options);
    }

    /// <summary>Digit strings (at least one digit once <paramref name="matched"/> is 0) not above 0.<paramref name="limit"/>:
    /// smaller at some digit, a prefix of the limit, or the limit followed by zeros.</summary>
    private static string AtMost(string limit, int matched, int digits)
    {
        int left = digits - matched;
        if (matched == limit.Length)
            return matched == 0 ? GbnfRuleSet.Repeat("\"0\"", 1, left) : GbnfRuleSet.Repeat("\"0\"", 0, left);
        char digit = limit[matched];
        var options = new List<string>();
        if (digit > '0')
            options.Add(GbnfRuleSet.Join(Digits('0', (char)(digit - 1)), GbnfRuleSet.Repeat("[0-9]", 0, left - 1)));
        options.Add(GbnfRuleSet.Join($"\"{digit}\"", AtMost(limit, matched + 1, digits)));
        var group = GbnfRuleSet.Group(options);
        return matched == 0 ? group : GbnfRuleSet.Repeat(group, 0, 1);
    }

    private static string Digits(char from, char to) => (from, to) switch
    {
        _ when from == to => $"\"{from}\"",
        ('0', '9') => "[0-9]",
        _ => $"[{from}-{to}]",
    };

    private static string AnyFraction(int digits) => digits switch
    {
        0 => "",
        1 => "(\".\" [0-9])?",
        _ => $"(\".\" [0-9]{{1,{digits}}})?",
    };
}
