using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Atelier.Cli;

/// <summary>
/// How commands talk to the terminal: human-readable text by default; with <c>--json</c>, exactly one JSON document
/// on stdout and nothing else there (progress and notes go to stderr).
/// </summary>
public static class CliOutput
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void WriteJson(object value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    public static void Note(string message) => Console.Error.WriteLine(message);
}

/// <summary>A problem with what the user asked for: reported as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
