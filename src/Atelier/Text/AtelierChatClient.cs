using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Atelier.Text.Grammars;
using Microsoft.Extensions.AI;

namespace Atelier.Text;

/// <summary>
/// Atelier's text models as a Microsoft.Extensions.AI <see cref="IChatClient"/>: .NET programs use them as any other
/// chat client, and compose middleware (logging, telemetry, caching) around them with ChatClientBuilder.
/// </summary>
public sealed class AtelierChatClient(TextGenerator generator) : IChatClient
{
    public const string ProviderName = "atelier";

    /// <summary>Key in <see cref="ChatOptions.AdditionalProperties"/> for the number of log-probability alternatives.</summary>
    public const string LogProbsKey = "logprobs";

    /// <summary>Key in <see cref="ChatResponse.AdditionalProperties"/> holding the full <see cref="TextResult"/>.</summary>
    public const string ResultKey = "atelier.result";

    public Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = ToRequest(messages, options);
        return Task.Run(() =>
        {
            var result = generator.Generate(request, cancellation: cancellationToken);
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, result.Text))
            {
                ModelId = result.Model.Name,
                FinishReason = ToFinishReason(result.FinishReason),
                Usage = new UsageDetails
                {
                    InputTokenCount = result.Timings.PromptTokens,
                    OutputTokenCount = result.Timings.GeneratedTokens,
                    TotalTokenCount = result.Timings.PromptTokens + result.Timings.GeneratedTokens,
                },
                AdditionalProperties = new() { [ResultKey] = result, ["seed"] = result.Seed },
            };
        }, cancellationToken);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = ToRequest(messages, options);
        var channel = Channel.CreateUnbounded<ChatResponseUpdate>(new UnboundedChannelOptions { SingleReader = true });
        var producer = Task.Run(() =>
        {
            try
            {
                var result = generator.Generate(request, chunk => channel.Writer.TryWrite(
                    new ChatResponseUpdate(ChatRole.Assistant, chunk.Text) { ModelId = request.Model }), cancellationToken);
                channel.Writer.TryWrite(new ChatResponseUpdate
                {
                    Role = ChatRole.Assistant,
                    ModelId = result.Model.Name,
                    FinishReason = ToFinishReason(result.FinishReason),
                    Contents = [new UsageContent(new UsageDetails
                    {
                        InputTokenCount = result.Timings.PromptTokens, OutputTokenCount = result.Timings.GeneratedTokens,
                    })],
                    AdditionalProperties = new() { [ResultKey] = result, ["seed"] = result.Seed },
                });
                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                channel.Writer.Complete(e);
            }
        }, cancellationToken);
        await foreach (var update in channel.Reader.ReadAllAsync(cancellationToken)) yield return update;
        await producer;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata(ProviderName)
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType == typeof(TextGenerator) ? generator
        : null;

    public void Dispose()
    {
    }

    private static TextRequest ToRequest(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var turns = messages.Select(m => new ChatTurn(m.Role.Value, m.Text)).ToList();
        if (turns.Count == 0) throw new ArgumentException("at least one message is needed");
        var defaults = new TextGenerationOptions();
        var generation = new TextGenerationOptions
        {
            MaxTokens = options?.MaxOutputTokens ?? defaults.MaxTokens,
            Temperature = options?.Temperature ?? defaults.Temperature,
            TopP = options?.TopP ?? defaults.TopP,
            TopK = options?.TopK ?? defaults.TopK,
            Seed = options?.Seed is { } seed ? unchecked((uint)seed) : null,
            Stop = options?.StopSequences?.ToList() ?? [],
            RepeatPenalty = options?.FrequencyPenalty is { } f ? 1 + f : defaults.RepeatPenalty,
            LogProbs = options?.AdditionalProperties?.TryGetValue(LogProbsKey, out int k) == true ? k : 0,
            Grammar = options?.ResponseFormat is ChatResponseFormatJson { Schema: { } schema }
                ? JsonSchemaGrammar.FromSchema(schema) : null,
        }.Validate();
        return new TextRequest(options?.ModelId, turns[^1].Content, generation) { Messages = turns };
    }

    private static ChatFinishReason ToFinishReason(string reason) => reason switch
    {
        FinishReason.Length => ChatFinishReason.Length,
        _ => ChatFinishReason.Stop,
    };
}
