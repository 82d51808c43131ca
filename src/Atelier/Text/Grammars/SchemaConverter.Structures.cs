using System.Text.Json;

namespace Atelier.Text.Grammars;

internal sealed partial class SchemaConverter
{
    private sealed record Member(string Key, string Value, bool Required);

    /// <summary>
    /// Only the listed properties are produced, in schema order, whatever additionalProperties says: that is always
    /// valid and keeps the model from inventing keys. Optional properties may each be left out, so the separator
    /// handling matters: alternative i starts the object with property i (every optional one before it absent), and
    /// every later property is prefixed with a comma. A required property ends the list of possible first members.
    /// </summary>
    private string ObjectValue(JsonElement schema, string hint)
    {
        var members = Members(schema, hint);
        if (members.Count == 0)
            return GbnfRuleSet.Literal("{}");

        int firstRequired = members.FindIndex(m => m.Required);
        int lastFirst = firstRequired < 0 ? members.Count - 1 : firstRequired;

        // tails[j]: the members from j on, each after a comma. Every possible start repeats the tail behind it, so with
        // many optional leading members the tails become shared rules and the grammar grows linearly, not quadratically.
        bool shareTails = lastFirst >= 4;
        var tails = new string[members.Count + 1];
        tails[members.Count] = "";
        for (int j = members.Count - 1; j > 0; j--)
        {
            string item = new GbnfSequenceBuilder().Literal("," + members[j].Key).Item(members[j].Value).ToString();
            string tail = GbnfRuleSet.Join(members[j].Required ? item : GbnfRuleSet.Repeat(item, 0, 1), tails[j + 1]);
            tails[j] = shareTails && j < members.Count - 1 ? _rules.Define($"{hint}-rest", tail) : tail;
        }
        var starts = Enumerable.Range(0, lastFirst + 1)
            .Select(first => new GbnfSequenceBuilder()
                .Literal(members[first].Key).Item(members[first].Value).Item(tails[first + 1]))
            .ToList();

        var body = new GbnfSequenceBuilder().Literal("{");
        if (starts.Count == 1 && firstRequired >= 0)
            body.Append(starts[0]);
        else
        {
            var group = GbnfRuleSet.Group(starts.Select(s => s.ToString()).ToList());
            body.Item(firstRequired < 0 ? GbnfRuleSet.Repeat(group, 0, 1) : group);
        }
        return _rules.Define(hint, body.Literal("}").ToString());
    }

    private List<Member> Members(JsonElement schema, string hint)
    {
        var properties = new List<(string Name, JsonElement Schema)>();
        if (schema.TryGetProperty("properties", out var declared))
        {
            if (declared.ValueKind != JsonValueKind.Object)
                throw Fail("has 'properties' that is not an object");
            properties.AddRange(declared.EnumerateObject().Select(p => (p.Name, p.Value)));
        }
        var requiredOrder = new List<string>();
        if (schema.TryGetProperty("required", out var names))
        {
            if (names.ValueKind != JsonValueKind.Array || names.EnumerateArray().Any(n => n.ValueKind != JsonValueKind.String))
                throw Fail("has 'required' that is not an array of strings");
            requiredOrder.AddRange(names.EnumerateArray().Select(n => n.GetString()!).Distinct());
        }
        var required = requiredOrder.ToHashSet(StringComparer.Ordinal);

        // A required name without a schema of its own is governed by additionalProperties.
        bool hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
        foreach (var name in requiredOrder.Where(name => properties.All(p => p.Name != name)))
        {
            if (hasAdditional && additional.ValueKind == JsonValueKind.False)
                throw Fail($"requires '{name}', which is not in 'properties' and additionalProperties forbids");
            properties.Add((name, hasAdditional ? additional : TrueSchema));
        }

        var members = new List<Member>();
        foreach (var (name, propertySchema) in properties)
        {
            bool isRequired = required.Contains(name);
            if (propertySchema.ValueKind == JsonValueKind.False)
            {
                if (isRequired)
                    throw Scoped(name, () => Fail("is required but its schema is 'false'"));
                continue;
            }
            string value = Scoped(name, () => Visit(propertySchema, hint == GbnfRuleSet.RootName ? name : $"{hint}-{name}"));
            members.Add(new Member(AsciiJson.Quote(name) + ":", value, isRequired));
        }
        return members;
    }

    private string ArrayValue(JsonElement schema, string hint)
    {
        int? minItems = Count(schema, "minItems"), maxItems = Count(schema, "maxItems");
        int min = minItems ?? 0, max = maxItems ?? Math.Max(min, JsonSchemaGrammar.DefaultMaxItems);
        string? item = null;
        if (!schema.TryGetProperty("items", out var items) || items.ValueKind == JsonValueKind.True)
            item = AnyValue();
        else if (items.ValueKind == JsonValueKind.Array)
            throw Fail("uses 'items' as an array of schemas (a tuple), which is unsupported");
        else if (items.ValueKind != JsonValueKind.False)
            item = Scoped("[]", () => Visit(items, hint + "-item"));
        if (item is null)
        {
            if (min > 0)
                throw Fail("needs items but its 'items' schema is 'false'");
            max = 0;
        }
        if (min > max)
            throw Fail($"has minItems {min} above maxItems {max}");
        if (schema.TryGetProperty("uniqueItems", out var unique) && unique.ValueKind == JsonValueKind.True && max > 1)
            throw Fail("uses 'uniqueItems', which is unsupported");
        if (max == 0)
            return GbnfRuleSet.Literal("[]");

        string next = GbnfRuleSet.Repeat(GbnfRuleSet.Join("\",\"", item!), Math.Max(min - 1, 0), max - 1);
        string elements = GbnfRuleSet.Join(item!, next);
        var body = new GbnfSequenceBuilder().Literal("[")
            .Item(min == 0 ? GbnfRuleSet.Repeat(elements, 0, 1) : elements)
            .Literal("]");
        return _rules.Define(hint, body.ToString());
    }

    /// <summary>
    /// Any JSON value, for schemas that allow everything. Containers hold only scalars and objects at most one member,
    /// so the output stays short and never repeats a key.
    /// </summary>
    private string AnyValue()
    {
        string scalar = _rules.Define("scalar", $"{DefaultString()} | {DefaultNumber()} | \"true\" | \"false\" | \"null\"");
        string more = GbnfRuleSet.Repeat($"\",\" {scalar}", 0, JsonSchemaGrammar.DefaultMaxItems - 1);
        string array = $"\"[\" ({scalar} {more})? \"]\"";
        string member = $"\"{{\" ({DefaultString()} \":\" {scalar})? \"}}\"";
        return _rules.Define("any", $"{scalar} | {array} | {member}");
    }

    private string DefaultString() => StringValue(EmptySchema);

    private string DefaultNumber() => NumberValue(EmptySchema, "number");

    private static readonly JsonElement EmptySchema = JsonElement.Parse("{}");
}
