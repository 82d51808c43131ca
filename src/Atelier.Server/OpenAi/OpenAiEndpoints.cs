using System.Text.Json;
using System.Threading.Channels;
using Atelier.Models;
using Atelier.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Atelier.Server.OpenAi;

/// <summary>
/// <c>/v1/models</c>, <c>/v1/chat/completions</c> and <c>/v1/completions</c> as OpenAI's clients expect them, with
/// server-sent events for streaming. Every refusal is a 4xx in OpenAI's error shape.
/// </summary>
public static class OpenAiEndpoints
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never };

    public static IEndpointRouteBuilder MapOpenAi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/models", (ModelCatalog catalog) => Results.Json(new
        {
            @object = "list",
            data = catalog.Entries().Select(e => new
            {
                id = e.Name, @object = "model", created = new DateTimeOffset(File.GetLastWriteTimeUtc(e.Path)).ToUnixTimeSeconds(),
                owned_by = e.Source == ModelSource.Embedded ? "atelier" : "user",
            }),
        }));
        app.MapPost("/v1/chat/completions", (HttpContext http, TextGenerator generator, ModelCatalog catalog, ModelGate gate, ServerMetrics metrics) =>
            Handle(http, new Generation(generator, gate, metrics), catalog, chat: true));
        app.MapPost("/v1/completions", (HttpContext http, TextGenerator generator, ModelCatalog catalog, ModelGate gate, ServerMetrics metrics) =>
            Handle(http, new Generation(generator, gate, metrics), catalog, chat: false));
        return app;
    }

    /// <summary>The services one generation needs: the pipeline, the per-model turn-taking, and the metrics.</summary>
    private sealed record Generation(TextGenerator Generator, ModelGate Gate, ServerMetrics Metrics)
    {
        public Task<TextResult> RunAsync(string name, string path, TextRequest request, Action<TextChunk>? onChunk, CancellationToken cancellation)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            return Gate.RunAsync(path, () =>
            {
                var result = Generator.Generate(request, onChunk, cancellation);
                Metrics.Generated(name, result.Timings.GeneratedTokens, System.Diagnostics.Stopwatch.GetElapsedTime(started));
                return result;
            }, cancellation);
        }
    }

    private static async Task Handle(HttpContext http, Generation generation, ModelCatalog catalog, bool chat)
    {
        var cancellation = http.RequestAborted;
        try
        {
            string body;
            using (var reader = new StreamReader(http.Request.Body, new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true)))
                body = await reader.ReadToEndAsync(cancellation);
            var request = chat ? GenerationRequest.Chat(body) : GenerationRequest.Completion(body);
            var (name, path, _) = Resolve(catalog, request.Model);
            // A model without a chat template (such as the poet) still answers chat clients: the last message is its prompt.
            if (request.Messages is not null && !HasChatTemplate(path)) request = request with { Messages = null };
            var id = (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N")[..24];
            var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            if (request.Stream) await Stream(http, generation, request, name, path, id, created, chat, cancellation);
            else await Complete(http, generation, request, name, path, id, created, chat, cancellation);
        }
        catch (OpenAiError e)
        {
            if (!http.Response.HasStarted) await e.ToResult().ExecuteAsync(http);
        }
        catch (System.Text.DecoderFallbackException)
        {
            await OpenAiError.BadRequest("the request body is not valid UTF-8").ToResult().ExecuteAsync(http);
        }
        catch (ArgumentException e) when (!http.Response.HasStarted)
        {
            await OpenAiError.BadRequest(e.Message).ToResult().ExecuteAsync(http);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
    }

    private static (string Name, string Path, ModelSource Source) Resolve(ModelCatalog catalog, string? model)
    {
        try
        {
            // Only names from /v1/models: a path in a request must not reach the file system.
            if (model is not null && (model.Contains('/') || model.Contains('\\'))) throw new ModelNotFoundException($"unknown model '{model}'");
            return catalog.Resolve(model);
        }
        catch (ModelNotFoundException e)
        {
            throw new OpenAiError(404, e.Message, "model", "model_not_found");
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> Templates = new();

    private static bool HasChatTemplate(string path) => Templates.GetOrAdd(path,
        p => Atelier.Text.Gguf.GgufFile.Read(p).GetString("tokenizer.chat_template") is not null);

    private static TextRequest ToTextRequest(GenerationRequest r, string path, int choice) =>
        new(path, r.Prompt, r.Options with { Seed = r.Options.Seed is { } s ? unchecked(s + (uint)choice) : null }) { Messages = r.Messages };

    private static async Task Complete(HttpContext http, Generation generation, GenerationRequest request,
        string name, string path, string id, long created, bool chat, CancellationToken cancellation)
    {
        var results = new List<TextResult>();
        for (int i = 0; i < request.Choices; i++)
            results.Add(await generation.RunAsync(name, path, ToTextRequest(request, path, i), null, cancellation));
        int promptTokens = results[0].Timings.PromptTokens, completionTokens = results.Sum(r => r.Timings.GeneratedTokens);
        object body = chat
            ? new
            {
                id, @object = "chat.completion", created, model = name, system_fingerprint = Fingerprint(results[0]),
                choices = results.Select((r, i) => new
                {
                    index = i,
                    message = new { role = "assistant", content = r.Text, refusal = (string?)null },
                    logprobs = request.LogProbs ? new { content = r.Tokens.Select(ChatLogProb).ToList(), refusal = (object?)null } : null,
                    finish_reason = FinishReasonOf(r),
                }).ToList(),
                usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens },
            }
            : new
            {
                id, @object = "text_completion", created, model = name, system_fingerprint = Fingerprint(results[0]),
                choices = results.Select((r, i) => new
                {
                    text = r.Text, index = i, logprobs = request.LogProbs ? LegacyLogProbs(r) : null, finish_reason = FinishReasonOf(r),
                }).ToList(),
                usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens },
            };
        await Results.Json(body, Json).ExecuteAsync(http);
    }

    private static async Task Stream(HttpContext http, Generation generation, GenerationRequest request,
        string name, string path, string id, long created, bool chat, CancellationToken cancellation)
    {
        var events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        var producer = Task.Run(async () =>
        {
            try
            {
                for (int i = 0; i < request.Choices; i++)
                {
                    int index = i;
                    if (chat) events.Writer.TryWrite(ChatChunk(id, created, name, index, new { role = "assistant", content = "" }, null, null));
                    var result = await generation.RunAsync(name, path, ToTextRequest(request, path, index), chunk =>
                        events.Writer.TryWrite(chat
                            ? ChatChunk(id, created, name, index, new { content = chunk.Text },
                                request.LogProbs ? new { content = new[] { ChatLogProb(chunk.Token) } } : null, null)
                            : new { id, @object = "text_completion", created, model = name, choices = new[] { new { text = chunk.Text, index, logprobs = (object?)null, finish_reason = (string?)null } } }),
                        cancellation);
                    events.Writer.TryWrite(chat
                        ? ChatChunk(id, created, name, index, new { }, null, FinishReasonOf(result))
                        : new { id, @object = "text_completion", created, model = name, choices = new[] { new { text = "", index, logprobs = (object?)null, finish_reason = (string?)FinishReasonOf(result) } } });
                }
                events.Writer.Complete();
            }
            catch (Exception e)
            {
                events.Writer.Complete(e);
            }
        }, cancellation);

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        try
        {
            await foreach (var item in events.Reader.ReadAllAsync(cancellation))
            {
                await http.Response.WriteAsync($"data: {JsonSerializer.Serialize(item, Json)}\n\n", cancellation);
                await http.Response.Body.FlushAsync(cancellation);
            }
        }
        catch (Exception e) when (e is OpenAiError or ArgumentException)
        {
            // The stream has started: report the problem as an event in the error shape, as OpenAI's streams do.
            var error = e as OpenAiError ?? OpenAiError.BadRequest(e.Message);
            await http.Response.WriteAsync($"data: {JsonSerializer.Serialize(OpenAiError.Body(error.Message, error.Type, error.Param, error.Code))}\n\n", cancellation);
        }
        await http.Response.WriteAsync("data: [DONE]\n\n", cancellation);
        await producer;
    }

    private static object ChatChunk(string id, long created, string model, int index, object delta, object? logprobs, string? finish) => new
    {
        id, @object = "chat.completion.chunk", created, model,
        choices = new[] { new { index, delta, logprobs, finish_reason = finish } },
    };

    private static object ChatLogProb(GeneratedToken t) => new
    {
        token = t.Text, logprob = t.LogProb ?? 0, bytes = t.Bytes.Select(b => (int)b).ToArray(),
        top_logprobs = (t.Alternatives ?? []).Select(a => new
        {
            token = a.Text, logprob = a.LogProb, bytes = System.Text.Encoding.UTF8.GetBytes(a.Text).Select(b => (int)b).ToArray(),
        }).ToList(),
    };

    private static object LegacyLogProbs(TextResult r)
    {
        var offsets = new List<int>();
        int offset = 0;
        foreach (var t in r.Tokens) { offsets.Add(offset); offset += t.Text.Length; }
        return new
        {
            tokens = r.Tokens.Select(t => t.Text).ToList(),
            token_logprobs = r.Tokens.Select(t => t.LogProb ?? 0).ToList(),
            top_logprobs = r.Tokens.Select(t => (t.Alternatives ?? []).GroupBy(a => a.Text).ToDictionary(g => g.Key, g => g.First().LogProb)).ToList(),
            text_offset = offsets,
        };
    }

    private static string FinishReasonOf(TextResult r) => r.FinishReason == FinishReason.Length ? "length" : "stop";

    private static string Fingerprint(TextResult r) => "atelier-" + r.Model.Sha256[..12];
}
