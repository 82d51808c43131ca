using Atelier.Text;
using Microsoft.Extensions.AI;

namespace Atelier.Tests.Text;

/// <summary>Drives Atelier's models only through Microsoft.Extensions.AI's IChatClient, as any .NET program would.</summary>
[Collection(ModelCollection.Name)]
public sealed class AtelierChatClientTests(TestModels models)
{
    private IChatClient Client => new AtelierChatClient(models.Generator);

    [Fact]
    public async Task Answers_a_conversation_with_usage_and_a_reproducible_seed()
    {
        var options = new ChatOptions { ModelId = TestModels.Gpt2, MaxOutputTokens = 12, Seed = 21 };
        List<ChatMessage> messages = [new(ChatRole.System, "You are brief."), new(ChatRole.User, "Name a colour.")];

        var first = await Client.GetResponseAsync(messages, options);
        var second = await Client.GetResponseAsync(messages, options);

        Assert.Equal(ChatRole.Assistant, first.Messages[0].Role);
        Assert.Equal(first.Text, second.Text);
        Assert.Equal(12, first.Usage!.OutputTokenCount);
        Assert.True(first.Usage.InputTokenCount > 10);
        Assert.Equal(ChatFinishReason.Length, first.FinishReason);
        Assert.Equal(TestModels.Gpt2, first.ModelId);
    }

    [Fact]
    public async Task Streams_updates_that_add_up_to_the_full_response()
    {
        var options = new ChatOptions { ModelId = TestModels.Gpt2, MaxOutputTokens = 10, Seed = 5 };
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in Client.GetStreamingResponseAsync("Tell me a story", options)) updates.Add(update);

        var whole = await Client.GetResponseAsync("Tell me a story", options);
        Assert.Equal(whole.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(ChatFinishReason.Length, updates[^1].FinishReason);
    }

    [Fact]
    public void Describes_itself_through_metadata()
    {
        var metadata = Client.GetService<ChatClientMetadata>();
        Assert.Equal(AtelierChatClient.ProviderName, metadata!.ProviderName);
    }

    [Fact]
    public async Task Composes_with_middleware_from_ChatClientBuilder()
    {
        var calls = 0;
        var client = new ChatClientBuilder(Client)
            .Use(async (messages, options, next, cancellation) => { calls++; await next(messages, options, cancellation); })
            .Build();
        var response = await client.GetResponseAsync("Hi", new ChatOptions { ModelId = TestModels.Ascii, MaxOutputTokens = 3, Seed = 1 });
        Assert.Equal(1, calls);
        Assert.NotNull(response.Text);
    }
}
