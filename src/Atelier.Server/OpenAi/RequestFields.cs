using System.Text.Json;

namespace Atelier.Server.OpenAi;

/// <summary>Reads a request body's fields with OpenAI's types and ranges; any mismatch is a 400 naming the field.</summary>
internal sealed class RequestFields(JsonElement root)
{
    public static RequestFields Parse(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw OpenAiError.BadRequest("the request body must be a JSON object");
            return new RequestFields(document.RootElement.Clone());
        }
        catch (JsonException e)
        {
            throw OpenAiError.BadRequest($"the request body is not valid JSON ({e.Message.Split('.')[0]})");
        }
    }

    public JsonElement Root => root;

    public JsonElement? Get(string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public string? String(string name)
    {
        if (Get(name) is not { } v) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Wrong(name, "a string");
    }

    public bool Bool(string name, bool fallback = false)
    {
        if (Get(name) is not { } v) return fallback;
        return v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw Wrong(name, "a boolean");
    }

    public int? Int(string name, long min, long max)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n)) throw Wrong(name, "an integer");
        if (n < min || n > max) throw OpenAiError.BadRequest($"'{name}' must be between {min} and {max} (got {n})", name);
        return (int)n;
    }

    public long? Long(string name)
    {
        if (Get(name) is not { } v) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : throw Wrong(name, "an integer");
    }

    public double? Number(string name, double min, double max, bool exclusiveMin = false)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var x) || !double.IsFinite(x)) throw Wrong(name, "a number");
        if (x < min || x > max || (exclusiveMin && x == min))
            throw OpenAiError.BadRequest($"'{name}' must be {(exclusiveMin ? "above" : "at least")} {min} and at most {max} (got {x})", name);
        return x;
    }

    /// <summary>A string or an array of strings, as <c>stop</c> takes them.</summary>
    public IReadOnlyList<string> Strings(string name, int most)
    {
        if (Get(name) is not { } v) return [];
        if (v.ValueKind == JsonValueKind.String) return [v.GetString()!];
        if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            throw Wrong(name, "a string or an array of strings");
        var list = v.EnumerateArray().Select(e => e.GetString()!).ToList();
        if (list.Count > most) throw OpenAiError.BadRequest($"'{name}' takes at most {most} strings", name);
        if (list.Any(s => s.Length == 0)) throw OpenAiError.BadRequest($"'{name}' must not contain empty strings", name);
        return list;
    }

    public static OpenAiError Wrong(string name, string expected) => OpenAiError.BadRequest($"'{name}' must be {expected}", name);
}
