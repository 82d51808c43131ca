using System.Globalization;
using System.Text.Json;

namespace Atelier.Text.Grammars;

internal sealed partial class SchemaConverter
{
    // Raw characters are printable ASCII other than '"' and '\'; everything else goes through escapes, and \u escapes
    // skip lone UTF-16 surrogates, which parse as JSON text but not into a well-formed string. Raw non-ASCII is left
    // out on purpose: llama.cpp's grammar matcher decodes UTF-8 without checking continuation bytes, so with byte-level
    // tokens a model could emit a lead byte plus an ASCII byte (even '"') that the grammar takes for one character.
    private const string CharBody = "[\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E] | \"\\\\\" ([\"\\\\/bfnrt] | \"u\" "
        + "([0-9a-cA-CefEF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2}))";

    // minLength is checked by validators in characters or even grapheme clusters; a combining mark or a CR LF pair
    // joins with what precedes it. Printable ASCII and the escapes other than \r and \u never join with their
    // neighbour, so the first minLength characters come from this set and each counts as one character everywhere.
    private const string SafeCharBody = "[\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E] | \"\\\\\" [\"\\\\/bfnt]";

    private static readonly string[] TrivialPatterns = ["", ".*", "^.*", ".*$", "^.*$"];

    private string StringValue(JsonElement schema)
    {
        if (schema.TryGetProperty("pattern", out var pattern) && !TrivialPatterns.Contains(pattern.ToString()))
            throw Fail($"uses pattern '{pattern}', which is unsupported");
        int? minLength = Count(schema, "minLength"), maxLength = Count(schema, "maxLength");
        if (schema.TryGetProperty("format", out var format))
        {
            if (minLength is not null || maxLength is not null)
                throw Fail("combines 'format' with 'minLength'/'maxLength', which is unsupported");
            return FormatValue(format.ToString());
        }
        int min = minLength ?? 0, max = maxLength ?? Math.Max(min, JsonSchemaGrammar.DefaultMaxStringLength);
        if (min > max)
            throw Fail($"has minLength {min} above maxLength {max}");
        string safe = min > 0 ? _rules.Define("safe-char", SafeCharBody) : "";
        string any = max > min ? _rules.Define("char", CharBody) : "";
        string body = new GbnfSequenceBuilder().Literal("\"")
            .Item(GbnfRuleSet.Repeat(safe, min, min))
            .Item(GbnfRuleSet.Repeat(any, 0, max - min))
            .Literal("\"").ToString();
        bool isDefault = minLength is null && maxLength is null;
        return _rules.Define(isDefault ? "string" : $"string-{min}-{max}", body);
    }

    private string FormatValue(string format)
    {
        const string hour = "([01] [0-9] | \"2\" [0-3])";
        const string day31 = "(\"0\" [1-9] | [12] [0-9] | \"3\" [01])", day30 = "(\"0\" [1-9] | [12] [0-9] | \"30\")";
        const string day28 = "(\"0\" [1-9] | \"1\" [0-9] | \"2\" [0-8])"; // February 29th would need the year's leap status
        string Date() => _rules.Define("date",
            $"[1-9] [0-9]{{3}} \"-\" ((\"0\" [13578] | \"1\" [02]) \"-\" {day31} "
            + $"| (\"0\" [469] | \"11\") \"-\" {day30} | \"02-\" {day28})");
        string Time() => _rules.Define("time",
            $"{hour} \":\" [0-5] [0-9] \":\" [0-5] [0-9] (\".\" [0-9]{{1,3}})? (\"Z\" | [+-] {hour} \":\" [0-5] [0-9])");
        return format switch
        {
            "date" => Quoted("date-string", Date()),
            "time" => Quoted("time-string", Time()),
            "date-time" => Quoted("date-time-string", $"{Date()} \"T\" {Time()}"),
            "uuid" => Quoted("uuid-string",
                "[0-9a-f]{8} \"-\" [0-9a-f]{4} \"-\" [0-9a-f]{4} \"-\" [0-9a-f]{4} \"-\" [0-9a-f]{12}"),
            _ => throw Fail($"uses format '{format}', which is unsupported (supported: date, time, date-time, uuid)"),
        };

        string Quoted(string name, string body) => _rules.Define(name, $"\"\\\"\" {body} \"\\\"\"");
    }

    private string IntegerValue(JsonElement schema)
    {
        // multipleOf 1 (or 0.5, 0.25, ...) holds for every integer; any other divisor is beyond a digit grammar.
        if (schema.TryGetProperty("multipleOf", out var multipleOf)
            && !(multipleOf.TryGetDecimal(out var divisor) && divisor > 0 && 1 % divisor == 0))
            throw Fail($"uses multipleOf {multipleOf.GetRawText()} on an integer, which is unsupported");
        var (lowBound, lowExclusive) = Bound(schema, "minimum", "exclusiveMinimum", lower: true);
        var (highBound, highExclusive) = Bound(schema, "maximum", "exclusiveMaximum", lower: false);
        decimal? low = lowBound is { } l ? (lowExclusive ? decimal.Floor(l) + 1 : decimal.Ceiling(l)) : null;
        decimal? high = highBound is { } h ? (highExclusive ? decimal.Ceiling(h) - 1 : decimal.Floor(h)) : null;

        decimal cap = IntegerRangeGrammar.Pow10(JsonSchemaGrammar.DefaultMaxIntegerDigits) - 1;
        decimal from = low ?? (high < -cap ? high.Value - cap : -cap), to = high ?? (low > cap ? low.Value + cap : cap);
        from = Math.Max(from, -IntegerRangeGrammar.MaxMagnitude);
        to = Math.Min(to, IntegerRangeGrammar.MaxMagnitude);
        if (from > to)
            throw Fail("has no integer within its bounds");
        var options = IntegerRangeGrammar.Signed((long)from, (long)to);
        string name = (low, high) switch
        {
            (null, null) => "integer",
            (_, null) => $"integer-from-{Name((long)from)}",
            (null, _) => $"integer-to-{Name((long)to)}",
            _ => $"integer-{Name((long)from)}-{Name((long)to)}",
        };
        return _rules.Define(name, string.Join(" | ", options));

        static string Name(long value) => (value < 0 ? "m" : "") + Math.Abs(value).ToString(CultureInfo.InvariantCulture);
    }

    private string NumberValue(JsonElement schema, string hint)
    {
        if (schema.TryGetProperty("multipleOf", out _))
            throw Fail("uses multipleOf on a number, which is unsupported");
        var (low, lowExclusive) = Bound(schema, "minimum", "exclusiveMinimum", lower: true);
        var (high, highExclusive) = Bound(schema, "maximum", "exclusiveMaximum", lower: false);
        decimal cap = IntegerRangeGrammar.Pow10(JsonSchemaGrammar.DefaultMaxIntegerDigits);
        decimal limit = IntegerRangeGrammar.MaxMagnitude;
        decimal from = low ?? (high < -cap ? high.Value - cap : -cap), to = high ?? (low > cap ? low.Value + cap : cap);
        bool fromExclusive = low is null || lowExclusive, toExclusive = high is null || highExclusive;
        if (from < -limit)
            (from, fromExclusive) = (-limit, false);
        if (to > limit)
            (to, toExclusive) = (limit, false);

        int digits = Math.Min(12, Math.Max(JsonSchemaGrammar.DefaultFractionDigits, Math.Max(Scale(low), Scale(high))));
        var options = from < to || (from == to && !fromExclusive && !toExclusive)
            ? NumberRangeGrammar.Signed(from, fromExclusive, to, toExclusive, digits)
            : [];
        if (options.Count == 0)
            throw Fail("has no number within its bounds");
        bool isDefault = low is null && high is null;
        return _rules.Define(isDefault ? "number" : hint + "-number", string.Join(" | ", options));

        static int Scale(decimal? value) => value?.Scale ?? 0;
    }

    /// <summary>
    /// The tighter of the inclusive and exclusive bound on one side. Draft 4's boolean exclusiveMinimum/Maximum, which
    /// makes minimum/maximum exclusive, is honoured too.
    /// </summary>
    private (decimal? Value, bool Exclusive) Bound(
        JsonElement schema, string inclusiveKeyword, string exclusiveKeyword, bool lower)
    {
        decimal? inclusive = schema.TryGetProperty(inclusiveKeyword, out var i) ? Number(i, inclusiveKeyword) : null;
        bool draft4Exclusive = schema.TryGetProperty(exclusiveKeyword, out var e) && e.ValueKind == JsonValueKind.True;
        decimal? exclusive = e.ValueKind == JsonValueKind.Number ? Number(e, exclusiveKeyword) : null;
        if (draft4Exclusive)
            return (inclusive, inclusive is not null);
        if (inclusive is null || exclusive is null)
            return exclusive is not null ? (exclusive, true) : (inclusive, false);
        bool exclusiveIsTighter = lower ? exclusive >= inclusive : exclusive <= inclusive;
        return exclusiveIsTighter ? (exclusive, true) : (inclusive, false);
    }

    private decimal Number(JsonElement value, string keyword)
    {
        if (value.ValueKind != JsonValueKind.Number)
            throw Fail($"has '{keyword}' that is not a number");
        if (value.TryGetDecimal(out var result))
            return result;
        // Beyond decimal's range: any bound that large is outside what the grammar generates anyway.
        return value.GetDouble() > 0 ? decimal.MaxValue / 10 : decimal.MinValue / 10;
    }

    private int? Count(JsonElement schema, string keyword)
    {
        if (!schema.TryGetProperty(keyword, out var value))
            return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var count)
            || count < 0 || count != decimal.Floor(count))
            throw Fail($"has '{keyword}' that is not a non-negative integer");
        // Grammar repetitions are bounded by llama.cpp; larger counts could never be generated in practice anyway.
        if (count > GbnfParser.MaxRepetitions)
            throw Fail($"has '{keyword}' {count}, above the supported {GbnfParser.MaxRepetitions}");
        return (int)count;
    }
}
