using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Atelier.Models;
using Atelier.Server;
using Atelier.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Atelier.Cli.Commands;

/// <summary>
/// <c>atelier bench serve</c>: many concurrent clients sending chat requests to the real server on loopback. Reports
/// errors, latency percentiles, tokens/s and memory, and — as the peer measured in the same run — the tokens/s of the
/// same generations called in-process one after another, so the ratio is the cost of HTTP, JSON and queueing.
/// </summary>
public static class ServeBenchCommand
{
    public static Command Build(IServiceProvider services)
    {
        var model = new Option<string?>("--model", "-m") { Description = "Model name (default: the embedded model)" };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients", DefaultValueFactory = _ => 50 };
        var requests = new Option<int>("--requests") { Description = "Requests per client", DefaultValueFactory = _ => 20 };
        var tokens = new Option<int>("--max-tokens") { Description = "Tokens per answer", DefaultValueFactory = _ => 16 };
        var command = new Command("serve", "Concurrent chat clients against the server, and the same work in-process") { model, clients, requests, tokens };
        command.SetAction(async (parse, cancellation) =>
        {
            int clientCount = parse.GetValue(clients), perClient = parse.GetValue(requests), maxTokens = parse.GetValue(tokens);
            if (clientCount < 1 || perClient < 1 || maxTokens < 1) throw new UsageException("--clients, --requests and --max-tokens must be at least 1");
            var catalog = services.GetRequiredService<ModelCatalog>();
            var (name, path, _) = catalog.Resolve(parse.GetValue(model));

            var url = AtelierServer.FreeLoopbackUrl();
            await using var app = AtelierServer.Build(url, s => s.AddSingleton(catalog));
            await app.StartAsync(cancellation);
            using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(30) };
            string Body(int seed) => JsonSerializer.Serialize(new
            {
                model = name, max_tokens = maxTokens, seed,
                messages = new[] { new { role = "user", content = "《春夜》" } },
            });
            await http.PostAsync("/v1/chat/completions", new StringContent(Body(0), Encoding.UTF8, "application/json"), cancellation);

            GC.Collect();
            long memoryBefore = Process.GetCurrentProcess().WorkingSet64;
            var latencies = new List<double>();
            int errors = 0, generated = 0;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clientCount).Select(async client =>
            {
                for (int r = 0; r < perClient; r++)
                {
                    var started = Stopwatch.GetTimestamp();
                    using var response = await http.PostAsync("/v1/chat/completions",
                        new StringContent(Body(client * perClient + r + 1), Encoding.UTF8, "application/json"), cancellation);
                    var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    var text = await response.Content.ReadAsStringAsync(cancellation);
                    lock (latencies)
                    {
                        latencies.Add(elapsed);
                        if (!response.IsSuccessStatusCode) errors++;
                        else generated += JsonDocument.Parse(text).RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
                    }
                }
            }));
            double serverSeconds = clock.Elapsed.TotalSeconds;
            long memoryAfter = Process.GetCurrentProcess().WorkingSet64;

            // The peer: the same generations, in-process and one at a time.
            var generator = services.GetRequiredService<TextGenerator>();
            IReadOnlyList<ChatTurn>? messages = HasTemplate(path) ? [new ChatTurn("user", "《春夜》")] : null;
            generator.Generate(new TextRequest(path, "《春夜》", new TextGenerationOptions { MaxTokens = 1 }));
            int direct = 0;
            var directClock = Stopwatch.StartNew();
            int sample = Math.Min(clientCount * perClient, 100);
            for (int i = 1; i <= sample; i++)
                direct += generator.Generate(TextRequest.Chat(path, "《春夜》", null, new TextGenerationOptions
                {
                    MaxTokens = maxTokens, Seed = (uint)i, Temperature = 1, TopP = 1, TopK = 0, MinP = 0, RepeatPenalty = 1,
                }) with { Messages = messages }).Timings.GeneratedTokens;
            double directTokensPerSecond = direct / directClock.Elapsed.TotalSeconds;

            latencies.Sort();
            double Percentile(double p) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
            var report = new
            {
                model = name, clients = clientCount, requests = clientCount * perClient, max_tokens = maxTokens, errors,
                latency_ms = new { p50 = Math.Round(Percentile(0.5), 1), p99 = Math.Round(Percentile(0.99), 1) },
                server_tokens_per_second = Math.Round(generated / serverSeconds, 1),
                in_process_tokens_per_second = Math.Round(directTokensPerSecond, 1),
                ratio = Math.Round(generated / serverSeconds / directTokensPerSecond, 3),
                memory_mb = new { before = memoryBefore / 1048576, after = memoryAfter / 1048576 },
            };
            if (parse.GetValue(AtelierCli.JsonOption)) CliOutput.WriteJson(report);
            else Console.WriteLine(JsonSerializer.Serialize(report, CliOutput.Json));
            return 0;
        });
        return command;
    }

    private static bool HasTemplate(string path) => Atelier.Text.Gguf.GgufFile.Read(path).GetString("tokenizer.chat_template") is not null;
}
