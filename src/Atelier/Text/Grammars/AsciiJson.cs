using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Atelier.Text.Grammars;

/// <summary>
/// Compact JSON text made only of ASCII, with every other character as a <c>\uXXXX</c> escape. Grammar literals are
/// written this way because llama.cpp's grammar matcher decodes UTF-8 without checking continuation bytes: a literal
/// holding a raw non-ASCII character would also accept byte sequences that are not valid UTF-8.
/// </summary>
internal static class AsciiJson
{
    public static string Write(JsonElement value)
    {
        var text = new StringBuilder();
        Write(value, text);
        return text.ToString();
    }

    public static string Quote(string value)
    {
        var text = new StringBuilder();
        Quote(value, text);
        return text.ToString();
    }

    private static void Write(JsonElement value, StringBuilder text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                foreach (var (property, index) in value.EnumerateObject().Select((p, i) => (p, i)))
                {
                    if (index > 0)
                        text.Append(',');
                    Quote(property.Name, text);
                    text.Append(':');
                    Write(property.Value, text);
                }
                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                foreach (var (item, index) in value.EnumerateArray().Select((v, i) => (v, i)))
                {
                    if (index > 0)
                        text.Append(',');
                    Write(item, text);
                }
                text.Append(']');
                break;
            case JsonValueKind.String:
                Quote(value.GetString()!, text);
                break;
            default:
                text.Append(value.GetRawText()); // numbers as written, true, false, null
                break;
        }
    }

    private static void Quote(string value, StringBuilder text)
    {
        text.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case < ' ' or >= '\x7F': text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }
        text.Append('"');
    }
}
