using System.Globalization;
using System.Text.RegularExpressions;
using Atelier.Text.Grammars;

namespace Atelier.Tests.Text.Grammars;

/// <summary>Integer and number bounds: the grammar must accept exactly the in-range literals it is meant to produce.</summary>
public sealed class NumericRangeGrammarTests
{
    [Theory]
    [InlineData("-15", true)]
    [InlineData("0", true)]
    [InlineData("9", true)]
    [InlineData("99", true)]
    [InlineData("230", true)]
    [InlineData("-1", true)]
    [InlineData("-16", false)]
    [InlineData("231", false)]
    [InlineData("01", false)]
    [InlineData("1000", false)]
    [InlineData("-0", false)]
    [InlineData("+1", false)]
    [InlineData("1.0", false)]
    [InlineData("", false)]
    public void Integer_Minus15To230(string literal, bool accepted) =>
        Assert.Equal(accepted, Integer(-15, 230).Matches(literal));

    public static TheoryData<long, long> IntegerRanges() => new()
    {
        { 0, 0 }, { -1, -1 }, { 7, 7 }, { -15, 230 }, { -230, -15 }, { 9, 10 }, { 1, 1000 }, { -1000, -1 },
        { 99, 101 }, { 100, 999 }, { 123, 4567 }, { -9, 9 }, { -4567, 123 }, { 10, 19 }, { 0, 99 }, { 5, 5005 },
        { 1999, 2001 }, { -100, 100 }, { 1009, 1090 },
    };

    [Theory]
    [MemberData(nameof(IntegerRanges))]
    public void Integer_AcceptsExactlyTheRange_AroundBothBoundsAndAcrossIt(long low, long high)
    {
        var grammar = Integer(low, high);
        // Every integer near the bounds, every seventh one elsewhere: all digit-length and prefix boundaries get crossed.
        for (long n = low - 150; n <= high + 150; n += n > low + 150 && n < high - 150 ? 7 : 1)
        {
            Assert.Equal(n >= low && n <= high, grammar.Matches(Text(n)));
            Assert.False(grammar.Matches("0" + Text(Math.Abs(n))), $"leading zero for {n}");
        }
        Assert.False(grammar.Matches("-0"));
    }

    [Fact]
    public void Integer_RandomWideRanges_AcceptExactlyTheRange()
    {
        var random = new Random(7);
        for (int round = 0; round < 60; round++)
        {
            long a = RandomLong(random), b = RandomLong(random);
            var (low, high) = a <= b ? (a, b) : (b, a);
            var grammar = Integer(low, high);
            var probes = new List<long> { low, high, low - 1, high + 1, 0, -1, 1 };
            for (int i = 0; i < 40; i++)
                probes.Add(RandomLong(random));
            for (int i = 0; i < 10; i++)
                probes.Add(low + (long)(random.NextDouble() * ((double)high - low)));
            foreach (var n in probes)
                Assert.True((n >= low && n <= high) == grammar.Matches(Text(n)), $"{n} in [{low}, {high}]");
        }
    }

    public static TheoryData<string> NumberBounds() =>
    [
        """{"minimum":0.5,"exclusiveMaximum":2.75}""",
        """{"minimum":-15,"maximum":230}""",
        """{"exclusiveMinimum":-40.5,"maximum":60}""",
        """{"exclusiveMinimum":0,"maximum":0.001}""",
        """{"minimum":-2.5,"maximum":-2.25}""",
        """{"exclusiveMinimum":-2.5,"exclusiveMaximum":-2.25}""",
        """{"minimum":0.123,"maximum":0.4}""",
        """{"minimum":3,"maximum":3}""",
        """{"minimum":-1,"maximum":1}""",
        """{"exclusiveMinimum":-1,"exclusiveMaximum":0}""",
        """{"minimum":0.05,"maximum":19.95}""",
        """{"minimum":-0.000001,"maximum":0.0000015}""",
        """{"minimum":99.9999995,"maximum":100}""",
    ];

    /// <summary>
    /// Random literals around the bounds: the grammar must accept a literal exactly when it is in range, has at most
    /// <see cref="JsonSchemaGrammar.DefaultFractionDigits"/> fraction digits (or the bound's own precision), is written
    /// without exponent or leading zeros, and is not a negative zero.
    /// </summary>
    [Theory]
    [MemberData(nameof(NumberBounds))]
    public void Number_AcceptsExactlyTheInRangeLiterals(string bounds)
    {
        var grammar = JsonSchemaGrammarTests.Matcher(bounds.Insert(1, "\"type\":\"number\","));
        using var document = System.Text.Json.JsonDocument.Parse(bounds);
        var root = document.RootElement;
        decimal? Get(string name) => root.TryGetProperty(name, out var v) ? v.GetDecimal() : null;
        decimal? min = Get("minimum"), max = Get("maximum"), exclusiveMin = Get("exclusiveMinimum"), exclusiveMax = Get("exclusiveMaximum");
        int fractionDigits = Math.Max(JsonSchemaGrammar.DefaultFractionDigits,
            new[] { min, max, exclusiveMin, exclusiveMax }.Max(b => (int)(b?.Scale ?? 0)));
        decimal low = (min ?? exclusiveMin)!.Value, high = (max ?? exclusiveMax)!.Value;

        var random = new Random(bounds.Sum(c => c));
        var interesting = new[] { low, high, 0m, (low + high) / 2 };
        int accepted = 0;
        for (int i = 0; i < 3000; i++)
        {
            decimal centre = interesting[random.Next(interesting.Length)];
            decimal offset = (decimal)(random.NextDouble() - 0.5) * (decimal)Math.Pow(10, random.Next(-8, 3));
            string literal = RandomLiteral(centre + offset, random, fractionDigits + 1);
            bool inRange = decimal.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                && (min is null || value >= min) && (exclusiveMin is null || value > exclusiveMin)
                && (max is null || value <= max) && (exclusiveMax is null || value < exclusiveMax);
            bool expected = inRange && Regex.IsMatch(literal, $@"^-?(0|[1-9][0-9]*)(\.[0-9]{{1,{fractionDigits}}})?$")
                && !(literal.StartsWith('-') && value == 0);
            Assert.True(expected == grammar.Matches(literal), $"{literal} for {bounds}: expected {(expected ? "accept" : "reject")}");
            accepted += expected ? 1 : 0;
        }
        Assert.True(accepted > 50, $"only {accepted} probes were in range for {bounds}");
    }

    [Theory]
    [InlineData("0.5", true)]
    [InlineData("0.50", true)]
    [InlineData("1", true)]
    [InlineData("2.749999", true)]
    [InlineData("2.7", true)]
    [InlineData("0.499999", false)]
    [InlineData("2.75", false)]
    [InlineData("2.750", false)]
    [InlineData("3", false)]
    [InlineData("1e0", false)]
    [InlineData(".5", false)]
    [InlineData("1.", false)]
    public void Number_HalfOpenRange(string literal, bool accepted) =>
        Assert.Equal(accepted, JsonSchemaGrammarTests.Matcher("""{"type":"number","minimum":0.5,"exclusiveMaximum":2.75}""").Matches(literal));

    [Fact]
    public void Number_InclusiveIntegerMaximum_AllowsOnlyZeroFractionsAtTheBound()
    {
        var grammar = JsonSchemaGrammarTests.Matcher("""{"type":"number","minimum":-3,"maximum":5}""");
        Assert.True(grammar.Matches("5"));
        Assert.True(grammar.Matches("5.000"));
        Assert.True(grammar.Matches("-3.0"));
        Assert.True(grammar.Matches("4.999999"));
        Assert.False(grammar.Matches("5.000001"));
        Assert.False(grammar.Matches("-3.1"));
    }

    [Fact]
    public void Number_Unbounded_CapsIntegerDigits()
    {
        var grammar = JsonSchemaGrammarTests.Matcher("""{"type":"number"}""");
        Assert.True(grammar.Matches(new string('9', 15) + ".5"));
        Assert.True(grammar.Matches("-" + new string('9', 15)));
        Assert.True(grammar.Matches("0.000001"));
        Assert.False(grammar.Matches("1" + new string('0', 15)));
        Assert.False(grammar.Matches("-0"));
    }

    private static GbnfMatcher Integer(long low, long high) =>
        JsonSchemaGrammarTests.Matcher($$"""{"type":"integer","minimum":{{low}},"maximum":{{high}}}""");

    private static long RandomLong(Random random)
    {
        long magnitude = IntegerRangeGrammar.Pow10(random.Next(0, 14));
        return random.NextInt64(-magnitude, magnitude + 1);
    }

    private static string RandomLiteral(decimal value, Random random, int maxFractionDigits)
    {
        string text = Math.Round(value, random.Next(0, maxFractionDigits + 1)).ToString(CultureInfo.InvariantCulture);
        return random.Next(10) switch
        {
            0 when text.Contains('.') => text + "0",
            1 => text.StartsWith('-') ? text : "-" + text,
            2 when !text.Contains('.') => text + ".0",
            _ => text,
        };
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
