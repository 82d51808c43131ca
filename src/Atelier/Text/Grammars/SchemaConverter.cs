using System.Text;
using System.Text.Json;

namespace Atelier.Text.Grammars;

/// <summary>
/// One schema-to-grammar conversion: walks the schema, defines rules in a <see cref="GbnfRuleSet"/>, and reports
/// problems with the location in the schema where they occur. Type-specific rules live in the other part.
/// </summary>
internal sealed partial class SchemaConverter
{
    private static readonly string[] KnownTypes = ["string", "integer", "number", "boolean", "null", "object", "array"];

    /// <summary>Keywords that only describe; they may sit beside $ref, anyOf and the like without changing anything.</summary>
    private static readonly HashSet<string> Annotations =
    [
        "$schema", "$id", "$anchor", "$dynamicAnchor", "$recursiveAnchor", "$comment", "$defs", "definitions", "$vocabulary",
        "title", "description", "default", "examples", "example", "deprecated", "readOnly", "writeOnly",
        "contentEncoding", "contentMediaType", "contentSchema", "nullable", "discriminator", "externalDocs", "xml",
    ];

    /// <summary>Keywords whose constraint a context-free grammar of this shape cannot enforce.</summary>
    private static readonly HashSet<string> Unsupported =
    [
        "not", "if", "minProperties", "maxProperties", "patternProperties", "propertyNames", "dependentRequired",
        "dependentSchemas", "dependencies", "contains", "minContains", "maxContains", "prefixItems",
        "$dynamicRef", "$recursiveRef",
    ];

    private static readonly JsonElement TrueSchema = JsonElement.Parse("true");

    private readonly JsonElement _root;
    private readonly GbnfRuleSet _rules = new();
    private readonly Dictionary<string, string> _refExpressions = new(StringComparer.Ordinal);
    private readonly List<string> _refsInProgress = [];
    private List<string> _path = [];

    public SchemaConverter(JsonElement root) => _root = root;

    public string Convert() => _rules.Render(Visit(_root, GbnfRuleSet.RootName));

    /// <summary>Returns a single GBNF item matching the JSON values the schema accepts.</summary>
    private string Visit(JsonElement schema, string hint)
    {
        if (schema.ValueKind == JsonValueKind.True)
            return AnyValue();
        if (schema.ValueKind == JsonValueKind.False)
            throw Fail("is the schema 'false', which no value satisfies");
        if (schema.ValueKind != JsonValueKind.Object)
            throw Fail($"must be a JSON object or boolean, not {Describe(schema.ValueKind)}");
        foreach (var property in schema.EnumerateObject())
            if (Unsupported.Contains(property.Name))
                throw Fail($"uses '{property.Name}', which is unsupported");

        if (schema.TryGetProperty("$ref", out var reference))
        {
            RequireAlone(schema, "$ref");
            return VisitRef(reference);
        }
        if (schema.TryGetProperty("allOf", out var allOf))
        {
            RequireAlone(schema, "allOf");
            if (allOf.ValueKind != JsonValueKind.Array || allOf.GetArrayLength() != 1)
                throw Fail("uses 'allOf' with other than exactly one schema, which is unsupported");
            return Scoped("allOf[0]", () => Visit(allOf[0], hint));
        }
        foreach (var keyword in (string[])["anyOf", "oneOf"])
            if (schema.TryGetProperty(keyword, out var branches))
            {
                RequireAlone(schema, keyword);
                if (branches.ValueKind != JsonValueKind.Array || branches.GetArrayLength() == 0)
                    throw Fail($"has '{keyword}' that is not a non-empty array");
                var options = branches.EnumerateArray()
                    .Select((branch, i) => Scoped($"{keyword}[{i}]", () => Visit(branch, $"{hint}-{i + 1}")))
                    .ToList();
                // A value matching two oneOf branches is invalid; identical branches would make every value do so.
                if (keyword == "oneOf" && options.Distinct().Count() < options.Count)
                    throw Fail("has 'oneOf' branches that accept the same values");
                return GbnfRuleSet.Group(options.Distinct().ToList());
            }

        var declared = DeclaredTypes(schema);
        if (schema.TryGetProperty("const", out var constant))
        {
            if (schema.TryGetProperty("enum", out var allowed) && allowed.ValueKind == JsonValueKind.Array
                && !allowed.EnumerateArray().Any(value => JsonElement.DeepEquals(value, constant)))
                throw Fail("has a 'const' that is not among its 'enum' values");
            return Values(schema, [constant], declared, hint);
        }
        if (schema.TryGetProperty("enum", out var values))
        {
            if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
                throw Fail("has 'enum' that is not a non-empty array");
            return Values(schema, [.. values.EnumerateArray()], declared, hint);
        }

        var types = declared ?? InferredTypes(schema);
        if (types.Count == 0)
            return AnyValue();
        var alternatives = types.Select(type => VisitType(schema, type, hint)).Distinct().ToList();
        return GbnfRuleSet.Group(alternatives);
    }

    private string VisitType(JsonElement schema, string type, string hint) => type switch
    {
        "string" => StringValue(schema),
        "integer" => IntegerValue(schema),
        "number" => NumberValue(schema, hint),
        "boolean" => _rules.Define("boolean", "\"true\" | \"false\""),
        "null" => "\"null\"",
        "object" => ObjectValue(schema, hint),
        "array" => ArrayValue(schema, hint),
        _ => throw Fail($"has unsupported type '{type}'"),
    };

    private string VisitRef(JsonElement reference)
    {
        if (reference.ValueKind != JsonValueKind.String)
            throw Fail("has a '$ref' that is not a string");
        string target = reference.GetString()!;
        if (_refExpressions.TryGetValue(target, out var known))
            return known;
        if (_refsInProgress.Contains(target))
            throw Fail($"has recursive $ref '{target}', which is unsupported");
        var schema = ResolvePointer(target);
        string name = target.Split('/')[^1];

        _refsInProgress.Add(target);
        var outer = _path;
        _path = [name];
        try
        {
            return _refExpressions[target] = Visit(schema, name);
        }
        finally
        {
            _path = outer;
            _refsInProgress.Remove(target);
        }
    }

    private JsonElement ResolvePointer(string reference)
    {
        if (!reference.StartsWith('#'))
            throw Fail($"has $ref '{reference}' to another document, which is unsupported");
        var current = _root;
        string pointer = Uri.UnescapeDataString(reference[1..]);
        if (pointer.Length > 0 && !pointer.StartsWith('/'))
            throw Fail($"has $ref '{reference}' to an anchor, which is unsupported");
        foreach (var raw in pointer.Split('/').Skip(1))
        {
            string segment = raw.Replace("~1", "/").Replace("~0", "~");
            bool found = current.ValueKind switch
            {
                JsonValueKind.Object => current.TryGetProperty(segment, out current),
                JsonValueKind.Array when int.TryParse(segment, out int index) && index >= 0 && index < current.GetArrayLength()
                    => (current = current[index]).ValueKind != JsonValueKind.Undefined,
                _ => false,
            };
            if (!found)
                throw Fail($"has $ref '{reference}' that points to nothing");
        }
        return current;
    }

    /// <summary>Literal alternatives for enum/const values, keeping only those of a declared type.</summary>
    private string Values(JsonElement schema, List<JsonElement> values, List<string>? types, string hint)
    {
        var literals = values
            .Where(value => types is null || types.Any(type => HasType(value, type)))
            .Select(value => GbnfRuleSet.Literal(AsciiJson.Write(value)))
            .Distinct().ToList();
        if (literals.Count == 0)
            throw Fail(schema.TryGetProperty("const", out _)
                ? "has a 'const' that does not match its 'type'"
                : "has no 'enum' value that matches its 'type'");
        return literals.Count == 1 ? literals[0] : _rules.Define(hint, string.Join(" | ", literals));
    }

    private static bool HasType(JsonElement value, string type) => (type, value.ValueKind) switch
    {
        ("string", JsonValueKind.String) or ("object", JsonValueKind.Object) or ("array", JsonValueKind.Array)
            or ("null", JsonValueKind.Null) or ("number", JsonValueKind.Number)
            or ("boolean", JsonValueKind.True or JsonValueKind.False) => true,
        // Only plain digit strings count as integers, so "1.0" is never offered where a validator might disagree.
        ("integer", JsonValueKind.Number) => !value.GetRawText().AsSpan().ContainsAny(".eE"),
        _ => false,
    };

    private List<string>? DeclaredTypes(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type))
            return null;
        var names = type.ValueKind switch
        {
            JsonValueKind.String => [type.GetString()!],
            JsonValueKind.Array when type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String)
                => type.EnumerateArray().Select(t => t.GetString()!).Distinct().ToList(),
            _ => throw Fail("has a 'type' that is neither a string nor an array of strings"),
        };
        if (names.Count == 0)
            throw Fail("has an empty 'type' array");
        foreach (var name in names)
            if (!KnownTypes.Contains(name))
                throw Fail($"has unsupported type '{name}'");
        return names;
    }

    /// <summary>Without 'type' a schema accepts every type, but its keywords still bind the types they apply to.</summary>
    private static List<string> InferredTypes(JsonElement schema)
    {
        bool Any(params string[] keywords) => keywords.Any(k => schema.TryGetProperty(k, out _));
        var types = new List<string>();
        if (Any("properties", "required", "additionalProperties"))
            types.Add("object");
        if (Any("items", "minItems", "maxItems", "uniqueItems"))
            types.Add("array");
        if (Any("minLength", "maxLength", "pattern", "format"))
            types.Add("string");
        if (Any("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"))
            types.Add("number");
        return types;
    }

    private void RequireAlone(JsonElement schema, string keyword)
    {
        foreach (var property in schema.EnumerateObject())
            if (property.Name != keyword && !Annotations.Contains(property.Name))
                throw Fail($"combines '{keyword}' with '{property.Name}', which is unsupported");
    }

    private T Scoped<T>(string segment, Func<T> visit)
    {
        _path.Add(segment);
        try
        {
            return visit();
        }
        finally
        {
            _path.RemoveAt(_path.Count - 1);
        }
    }

    private string Location
    {
        get
        {
            if (_path.Count == 0)
                return "root schema";
            var text = new StringBuilder();
            foreach (var segment in _path)
                text.Append(segment == "[]" || text.Length == 0 ? "" : ".").Append(segment);
            return $"property '{text}'";
        }
    }

    private GrammarException Fail(string problem) => new($"JSON schema: {Location} {problem}");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };
}
