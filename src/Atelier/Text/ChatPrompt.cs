using LLama;

namespace Atelier.Text;

/// <summary>Renders a conversation with the chat template stored in the model's GGUF metadata, through llama.cpp.</summary>
public static class ChatPrompt
{
    public static string Render(LLamaWeights weights, IReadOnlyList<ChatTurn> messages)
    {
        if (!weights.Metadata.ContainsKey("tokenizer.chat_template"))
            throw new ArgumentException("the model has no chat template in its metadata; generate without --chat");
        var template = new LLamaTemplate(weights) { AddAssistant = true };
        foreach (var m in messages) template.Add(m.Role, m.Content);
        try
        {
            return System.Text.Encoding.UTF8.GetString(template.Apply());
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or LLama.Exceptions.RuntimeError)
        {
            throw new ArgumentException($"llama.cpp does not support this model's chat template ({e.Message})");
        }
    }
}
