// Seed is marked experimental in OpenAI's client; reproducible seeds are what these tests check.
#pragma warning disable OPENAI001
using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using Atelier.Models;
using Atelier.Server;
using Json.Schema;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;

namespace Atelier.Tests.Server;

/// <summary>
/// The real server on a loopback port, spoken to by OpenAI's official .NET client exactly as an OpenAI user writes it,
/// with only the endpoint changed.
/// </summary>
[Collection(ModelCollection.Name)]
public sealed class OpenAiApiTests : IAsyncLifetime
{
    private readonly TestModels _models;
    private readonly WebApplication _app;
    private readonly string _baseUrl;

    public OpenAiApiTests(TestModels models)
    {
        _models = models;
        _baseUrl = AtelierServer.FreeLoopbackUrl();
        _app = AtelierServer.Build(_baseUrl, services => services.AddSingleton(models.Catalog));
    }

    public Task InitializeAsync() => _app.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private ChatClient Chat(string model) =>
        new(model, new ApiKeyCredential("not-needed-locally"), new OpenAIClientOptions { Endpoint = new Uri(_baseUrl + "/v1") });

    [Fact]
    public async Task Chat_completion_is_reproducible_with_a_seed()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 12, Seed = 42 };
        ChatCompletion first = await Chat(TestModels.Gpt2).CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("Name a colour.")], options);
        ChatCompletion second = await Chat(TestModels.Gpt2).CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("Name a colour.")], options);

        Assert.Equal(first.Content[0].Text, second.Content[0].Text);
        Assert.Equal(ChatFinishReason.Length, first.FinishReason);
        Assert.Equal(12, first.Usage.OutputTokenCount);
        Assert.Equal(TestModels.Gpt2, first.Model);
    }

    [Fact]
    public async Task Streaming_adds_up_to_the_same_text()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 10, Seed = 7 };
        var streamed = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in Chat(TestModels.Gpt2).CompleteChatStreamingAsync([new UserChatMessage("Tell a story")], options))
        {
            foreach (var part in update.ContentUpdate) streamed.Append(part.Text);
            finish ??= update.FinishReason;
        }
        ChatCompletion whole = await Chat(TestModels.Gpt2).CompleteChatAsync([new UserChatMessage("Tell a story")], options);
        Assert.Equal(whole.Content[0].Text, streamed.ToString());
        Assert.Equal(ChatFinishReason.Length, finish);
    }

    [Fact]
    public async Task Log_probabilities_come_with_their_alternatives()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 8, Seed = 1, Temperature = 0, IncludeLogProbabilities = true, TopLogProbabilityCount = 3 };
        ChatCompletion result = await Chat(TestModels.Gpt2).CompleteChatAsync([new UserChatMessage("The sea")], options);
        Assert.Equal(8, result.ContentTokenLogProbabilities.Count);
        foreach (var token in result.ContentTokenLogProbabilities)
        {
            Assert.Equal(3, token.TopLogProbabilities.Count);
            Assert.Equal(token.Token, token.TopLogProbabilities[0].Token);
            Assert.True(token.TopLogProbabilities.Sum(t => Math.Exp(t.LogProbability)) <= 1 + 1e-6);
        }
    }

    [Fact]
    public async Task A_json_schema_response_format_gives_valid_json()
    {
        var schemaText = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Text", "Grammars", "person.schema.json"));
        var validator = JsonSchema.FromText(schemaText);
        var options = new ChatCompletionOptions
        {
            MaxOutputTokenCount = 1000,
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("person", BinaryData.FromString(schemaText), jsonSchemaIsStrict: true),
        };
        for (int seed = 1; seed <= 3; seed++)
        {
            options.Seed = seed;
            ChatCompletion result = await Chat(TestModels.Ascii).CompleteChatAsync([new UserChatMessage("A person:")], options);
            using var document = JsonDocument.Parse(result.Content[0].Text);
            Assert.True(validator.Evaluate(document.RootElement).IsValid, result.Content[0].Text);
        }
    }

    [Fact]
    public async Task Lists_models_and_answers_completions()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_baseUrl) };
        var models = JsonDocument.Parse(await http.GetStringAsync("/v1/models")).RootElement;
        Assert.Contains(models.GetProperty("data").EnumerateArray(), m => m.GetProperty("id").GetString() == TestModels.Gpt2);

        var response = await http.PostAsync("/v1/completions", new StringContent(
            """{"model":"tiny-gpt2","prompt":"Once","max_tokens":5,"seed":3,"logprobs":2}""", Encoding.UTF8, "application/json"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(5, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(5, body.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("tokens").GetArrayLength());
    }

    [Fact]
    public async Task Metrics_show_requests_and_tokens_moving()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_baseUrl) };
        Assert.StartsWith("ready", await http.GetStringAsync("/readyz"));
        static double Total(string scrape, string metric) => scrape.Split('\n')
            .Where(l => l.StartsWith(metric) && !l.StartsWith("#"))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

        await Chat(TestModels.Ascii).CompleteChatAsync([new UserChatMessage("warm up")], new ChatCompletionOptions { MaxOutputTokenCount = 2, Seed = 1 });
        var before = await http.GetStringAsync("/metrics");
        await Chat(TestModels.Ascii).CompleteChatAsync([new UserChatMessage("count me")], new ChatCompletionOptions { MaxOutputTokenCount = 6, Seed = 1 });
        var after = await http.GetStringAsync("/metrics");

        Assert.Equal(6, Total(after, "atelier_text_tokens_generated_total") - Total(before, "atelier_text_tokens_generated_total"));
        Assert.Equal(1, Total(after, "atelier_text_generations_total") - Total(before, "atelier_text_generations_total"));
        Assert.True(Total(after, "http_server_request_duration_seconds_count") > Total(before, "http_server_request_duration_seconds_count"));
    }

    [Theory]
    [InlineData("/v1/chat/completions", "not json", 400, null)]
    [InlineData("/v1/chat/completions", "[1,2]", 400, null)]
    [InlineData("/v1/chat/completions", """{"model":"tiny-gpt2"}""", 400, "messages")]
    [InlineData("/v1/chat/completions", """{"model":"tiny-gpt2","messages":[{"role":"user","content":"hi"}],"temperature":"hot"}""", 400, "temperature")]
    [InlineData("/v1/chat/completions", """{"model":"tiny-gpt2","messages":[{"role":"user","content":"hi"}],"top_p":0}""", 400, "top_p")]
    [InlineData("/v1/chat/completions", """{"model":"tiny-gpt2","messages":[{"role":"user","content":"hi"}],"max_tokens":-1}""", 400, "max_tokens")]
    [InlineData("/v1/chat/completions", """{"model":"tiny-gpt2","messages":[{"role":"wizard","content":"hi"}]}""", 400, "messages[0]")]
    [InlineData("/v1/chat/completions", """{"model":"no-such-model","messages":[{"role":"user","content":"hi"}]}""", 404, "model")]
    [InlineData("/v1/chat/completions", """{"model":"../../etc/passwd","messages":[{"role":"user","content":"hi"}]}""", 404, "model")]
    [InlineData("/v1/completions", """{"model":"tiny-gpt2"}""", 400, "prompt")]
    [InlineData("/v1/completions", """{"model":"tiny-gpt2","prompt":"hi","n":99}""", 400, "n")]
    public async Task Bad_requests_get_openai_shaped_errors(string path, string body, int status, string? param)
    {
        using var http = new HttpClient { BaseAddress = new Uri(_baseUrl) };
        var response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(status, (int)response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        if (param is not null) Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal("ok", await http.GetStringAsync("/healthz"));
    }
}
