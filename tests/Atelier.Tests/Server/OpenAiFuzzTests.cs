using System.Net;
using System.Text;
using System.Text.Json;
using Atelier.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Atelier.Tests.Server;

/// <summary>
/// A bounded fuzz loop: 10,000 malformed or mutated request bodies. Every answer is a 4xx in OpenAI's error shape (or
/// a 200 when a mutation happens to stay valid) — never a 5xx — and the server keeps answering.
/// </summary>
[Collection(ModelCollection.Name)]
public sealed class OpenAiFuzzTests(TestModels models) : IAsyncLifetime
{
    private WebApplication? _app;
    private string _baseUrl = "";

    public async Task InitializeAsync()
    {
        _baseUrl = AtelierServer.FreeLoopbackUrl();
        _app = AtelierServer.Build(_baseUrl, services => services.AddSingleton(models.Catalog));
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }

    private static readonly string[] Seeds =
    [
        """{"model":"tiny-ascii","messages":[{"role":"user","content":"hi"}],"max_tokens":1,"seed":1}""",
        """{"model":"tiny-ascii","prompt":"hi","max_tokens":1,"seed":2,"logprobs":2,"stop":["x"]}""",
        """{"model":"tiny-ascii","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"a"}]}],"max_tokens":1,"temperature":0.5,"top_p":0.9,"n":2}""",
    ];

    private static readonly object?[] Replacements =
        [null, true, false, -1, 0, 1e308, -1e308, 99999999999999999L, "", "x", new object[0], new { }, new[] { 1, 2 }, "\u0000", 3.5];

    [Fact]
    public async Task Ten_thousand_bad_bodies_never_cause_a_server_error()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        var random = new Random(12345);
        var statuses = new Dictionary<int, int>();
        for (int i = 0; i < 10_000; i++)
        {
            var path = random.Next(2) == 0 ? "/v1/chat/completions" : "/v1/completions";
            using var content = new ByteArrayContent(Mutate(random, Seeds[random.Next(Seeds.Length)]));
            content.Headers.ContentType = new("application/json");
            using var response = await http.PostAsync(path, content);
            int status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            Assert.True(status < 500, $"{status} for body #{i}");
            if (status >= 400)
            {
                var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
                Assert.Equal(JsonValueKind.String, error.GetProperty("message").ValueKind);
                Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
            }
        }
        Assert.True(statuses.Where(s => s.Key >= 400).Sum(s => s.Value) > 5_000, string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}")));
        Assert.Equal("ok", await http.GetStringAsync("/healthz"));

        using var huge = new StringContent("{\"prompt\":\"" + new string('a', 10 * 1024 * 1024) + "\",\"model\":\"tiny-ascii\",\"max_tokens\":1}", Encoding.UTF8, "application/json");
        var hugeResponse = await http.PostAsync("/v1/completions", huge);
        Assert.InRange((int)hugeResponse.StatusCode, 400, 499);
        Assert.Equal("ok", await http.GetStringAsync("/healthz"));
    }

    private static byte[] Mutate(Random random, string seed)
    {
        switch (random.Next(6))
        {
            case 0: // cut the body short
                return Encoding.UTF8.GetBytes(seed[..random.Next(seed.Length)]);
            case 1: // flip bytes, including into invalid UTF-8
                var bytes = Encoding.UTF8.GetBytes(seed);
                for (int k = 0; k < 1 + random.Next(4); k++) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                return bytes;
            case 2: // insert junk
                int at = random.Next(seed.Length);
                return Encoding.UTF8.GetBytes(seed[..at] + "\"{[,:\\" [random.Next(6)] + seed[at..]);
            default: // replace one field's value with a value of another type or size
                var node = System.Text.Json.Nodes.JsonNode.Parse(seed)!.AsObject();
                var keys = node.Select(p => p.Key).Append("model").Append("n").Append("response_format").ToList();
                var key = keys[random.Next(keys.Count)];
                var replacement = Replacements[random.Next(Replacements.Length)];
                node[key] = replacement is null ? null : JsonSerializer.SerializeToNode(replacement);
                if (random.Next(4) == 0) node.Remove(keys[random.Next(keys.Count)]);
                return Encoding.UTF8.GetBytes(node.ToJsonString());
        }
    }
}

/// <summary>Back-pressure: a full queue answers 429 with Retry-After in the error shape, and the server recovers.</summary>
[Collection(ModelCollection.Name)]
public sealed class BackPressureTests(TestModels models)
{
    [Fact]
    public async Task A_full_queue_answers_429_with_retry_after()
    {
        var url = AtelierServer.FreeLoopbackUrl();
        await using var app = AtelierServer.Build(url, services =>
        {
            services.AddSingleton(models.Catalog);
            services.AddSingleton(_ => new Atelier.Server.OpenAi.ModelGate(maxWaiting: 1));
        });
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        const string body = """{"model":"tiny-gpt2","prompt":"Once","max_tokens":200,"seed":1}""";
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            http.PostAsync("/v1/completions", new StringContent(body, Encoding.UTF8, "application/json"))));

        var refused = responses.Where(r => (int)r.StatusCode == 429).ToList();
        Assert.NotEmpty(refused);
        Assert.Contains(responses, r => r.IsSuccessStatusCode);
        foreach (var r in refused)
        {
            Assert.Equal("1", r.Headers.RetryAfter?.ToString());
            var error = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        }
        var after = await http.PostAsync("/v1/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(after.IsSuccessStatusCode);
    }
}
