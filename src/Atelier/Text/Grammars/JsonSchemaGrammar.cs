using System.Text.Json;

namespace Atelier.Text.Grammars;

/// <summary>
/// Turns a JSON Schema into a GBNF grammar for llama.cpp's constrained decoding, such that every text the grammar
/// accepts is compact JSON (no whitespace between tokens) that validates against the schema.
/// </summary>
/// <remarks>
/// <para>Supported: <c>type</c> (one or several), <c>properties</c>/<c>required</c> (optional properties may be left
/// out, order follows the schema, no other properties are produced), strings with <c>minLength</c>/<c>maxLength</c>
/// and the formats date, time, date-time and uuid, integers and numbers with (exclusive) minimum/maximum, booleans,
/// null, arrays with <c>items</c>/<c>minItems</c>/<c>maxItems</c>, <c>enum</c>, <c>const</c>, <c>anyOf</c>,
/// <c>oneOf</c>, a single-schema <c>allOf</c> and non-recursive local <c>$ref</c>s. Keywords whose constraint cannot be
/// expressed (pattern, multipleOf, uniqueItems, not, if, ...) raise <see cref="GrammarException"/> rather than
/// producing a grammar that could emit invalid output.</para>
/// <para>Unbounded things get bounds, because a weak or random model rarely chooses to stop on its own: strings hold
/// at most <see cref="DefaultMaxStringLength"/> characters, arrays <see cref="DefaultMaxItems"/> items and numbers
/// <see cref="DefaultMaxIntegerDigits"/> integer digits unless the schema says otherwise.</para>
/// <para>The grammar is pure ASCII: string characters outside printable ASCII are produced as <c>\uXXXX</c> escapes,
/// because llama.cpp's grammar matcher does not check UTF-8 continuation bytes and would otherwise let a model emit
/// invalid UTF-8. The first minLength characters of a string are plain ASCII or simple escapes, so that validators
/// counting grapheme clusters (a combining mark joins the character before it) still count at least minLength.</para>
/// <para>oneOf is emitted like anyOf, so its branches are assumed not to overlap (identical branches are rejected);
/// enum and const values are emitted as given (filtered by <c>type</c>), not checked against other keywords.</para>
/// </remarks>
public static class JsonSchemaGrammar
{
    /// <summary>Cap for strings without maxLength; without it a random model would almost never close the string.</summary>
    public const int DefaultMaxStringLength = 64;

    /// <summary>Cap for arrays without maxItems, for the same reason.</summary>
    public const int DefaultMaxItems = 8;

    /// <summary>Cap on the integer digits of unbounded integers and numbers.</summary>
    public const int DefaultMaxIntegerDigits = 15;

    /// <summary>Fraction digits allowed in numbers (more when a bound needs them).</summary>
    public const int DefaultFractionDigits = 6;

    /// <summary>Converts schema text; throws <see cref="GrammarException"/> when it is not JSON or not supported.</summary>
    public static string FromSchema(string schemaJson)
    {
        ArgumentNullException.ThrowIfNull(schemaJson);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(schemaJson, new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
        }
        catch (JsonException e)
        {
            throw new GrammarException($"JSON schema is not valid JSON: {e.Message}", e);
        }
        using (document)
            return FromSchema(document.RootElement);
    }

    /// <summary>Converts a parsed schema; throws <see cref="GrammarException"/> when it is not supported.</summary>
    public static string FromSchema(JsonElement schema)
    {
        string grammar = new SchemaConverter(schema).Convert();
        // Cheap insurance: llama.cpp aborts on a malformed grammar, so an oversight here must surface as an exception.
        GbnfGrammar.Parse(grammar);
        return grammar;
    }
}
