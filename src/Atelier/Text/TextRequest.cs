namespace Atelier.Text;

/// <summary>A turn of a conversation, with its role (system, user, assistant).</summary>
public sealed record ChatTurn(string Role, string Content);

/// <summary>
/// What to generate from: a plain prompt continued as is, or a conversation rendered through the model's own chat
/// template (from its GGUF metadata).
/// </summary>
public sealed record TextRequest(string? Model, string Prompt, TextGenerationOptions Options)
{
    public IReadOnlyList<ChatTurn>? Messages { get; init; }

    /// <summary>A single user message with an optional system message, rendered through the chat template.</summary>
    public static TextRequest Chat(string? model, string userMessage, string? system, TextGenerationOptions options) =>
        new(model, userMessage, options)
        {
            Messages = system is null ? [new("user", userMessage)] : [new("system", system), new("user", userMessage)],
        };
}
