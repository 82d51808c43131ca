using System.Text.Json;
using Atelier.Text;
using Atelier.Text.Grammars;

namespace Atelier.Server.OpenAi;

/// <summary>A chat or completion request, read and validated once: everything the pipeline needs, nothing else.</summary>
internal sealed record GenerationRequest(
    string? Model, string Prompt, IReadOnlyList<ChatTurn>? Messages, TextGenerationOptions Options, int Choices, bool Stream,
    bool LogProbs)
{
    public static GenerationRequest Chat(string body)
    {
        var f = RequestFields.Parse(body);
        if (f.Get("messages") is not { ValueKind: JsonValueKind.Array } array || array.GetArrayLength() == 0)
            throw OpenAiError.BadRequest("'messages' must be a non-empty array", "messages");
        var turns = array.EnumerateArray().Select((m, i) => Turn(m, i)).ToList();
        bool logprobs = f.Bool("logprobs");
        int top = f.Int("top_logprobs", 0, TextGenerationOptions.MaxLogProbs) ?? 0;
        if (top > 0 && !logprobs) throw OpenAiError.BadRequest("'top_logprobs' needs 'logprobs': true", "top_logprobs");
        var options = ReadOptions(f, f.Int("max_completion_tokens", 1, 1_000_000) ?? f.Int("max_tokens", 1, 1_000_000)) with
        {
            LogProbs = logprobs ? Math.Max(top, 1) : 0,
            Grammar = ResponseFormat(f),
        };
        return new GenerationRequest(f.String("model"), turns[^1].Content, turns, Validated(options), ReadChoices(f), f.Bool("stream"), logprobs);
    }

    public static GenerationRequest Completion(string body)
    {
        var f = RequestFields.Parse(body);
        var prompt = f.Get("prompt") switch
        {
            { ValueKind: JsonValueKind.String } s => s.GetString()!,
            { ValueKind: JsonValueKind.Array } a when a.GetArrayLength() == 1 && a[0].ValueKind == JsonValueKind.String => a[0].GetString()!,
            null => throw OpenAiError.BadRequest("'prompt' is required", "prompt"),
            _ => throw OpenAiError.BadRequest("'prompt' must be a string (or an array holding one string)", "prompt"),
        };
        int logprobs = f.Int("logprobs", 0, TextGenerationOptions.MaxLogProbs) ?? 0;
        var options = ReadOptions(f, f.Int("max_tokens", 1, 1_000_000) ?? 16) with { LogProbs = logprobs };
        return new GenerationRequest(f.String("model"), prompt, null, Validated(options), ReadChoices(f), f.Bool("stream"), logprobs > 0);
    }

    private static TextGenerationOptions ReadOptions(RequestFields f, int? maxTokens)
    {
        var defaults = new TextGenerationOptions();
        var frequency = f.Number("frequency_penalty", -2, 2);
        f.Number("presence_penalty", -2, 2);
        return new TextGenerationOptions
        {
            MaxTokens = maxTokens ?? defaults.MaxTokens,
            Temperature = (float)(f.Number("temperature", 0, 2) ?? 1.0),
            TopP = (float)(f.Number("top_p", 0, 1, exclusiveMin: true) ?? 1.0),
            TopK = 0,
            MinP = 0,
            RepeatPenalty = frequency is > 0 ? 1 + (float)frequency.Value : 1f,
            Seed = f.Long("seed") is { } seed ? unchecked((uint)seed) : null,
            Stop = f.Strings("stop", 4),
        };
    }

    private static TextGenerationOptions Validated(TextGenerationOptions options)
    {
        try
        {
            return options.Validate();
        }
        catch (ArgumentException e)
        {
            throw OpenAiError.BadRequest(e.Message);
        }
    }

    private static int ReadChoices(RequestFields f) => f.Int("n", 1, 8) ?? 1;

    private static string? ResponseFormat(RequestFields f)
    {
        if (f.Get("response_format") is not { } format) return null;
        if (format.ValueKind != JsonValueKind.Object || !format.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            throw OpenAiError.BadRequest("'response_format' must be an object with a 'type'", "response_format");
        switch (type.GetString())
        {
            case "text":
                return null;
            case "json_schema":
                if (!format.TryGetProperty("json_schema", out var spec) || spec.ValueKind != JsonValueKind.Object
                    || !spec.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.Object)
                    throw OpenAiError.BadRequest("'response_format.json_schema.schema' must be a JSON schema object", "response_format");
                try
                {
                    return JsonSchemaGrammar.FromSchema(schema);
                }
                catch (GrammarException e)
                {
                    throw OpenAiError.BadRequest(e.Message, "response_format");
                }
            default:
                throw OpenAiError.BadRequest($"response_format type '{type.GetString()}' is not supported (use text or json_schema)", "response_format");
        }
    }

    private static ChatTurn Turn(JsonElement message, int index)
    {
        string param = $"messages[{index}]";
        if (message.ValueKind != JsonValueKind.Object) throw OpenAiError.BadRequest($"'{param}' must be an object", param);
        if (!message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
            || role.GetString() is not ("system" or "developer" or "user" or "assistant"))
            throw OpenAiError.BadRequest($"'{param}.role' must be system, developer, user or assistant", param);
        var content = message.TryGetProperty("content", out var c) ? c : default;
        var text = content.ValueKind switch
        {
            JsonValueKind.String => content.GetString()!,
            JsonValueKind.Array when content.EnumerateArray().All(p => p.ValueKind == JsonValueKind.Object
                && p.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "text"
                && p.TryGetProperty("text", out var x) && x.ValueKind == JsonValueKind.String) =>
                string.Concat(content.EnumerateArray().Select(p => p.GetProperty("text").GetString())),
            _ => throw OpenAiError.BadRequest($"'{param}.content' must be a string or an array of text parts", param),
        };
        var name = role.GetString() == "developer" ? "system" : role.GetString()!;
        return new ChatTurn(name, text);
    }
}
