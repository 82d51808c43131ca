using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Atelier.Data;
using Atelier.Server;
using Microsoft.Extensions.DependencyInjection;

namespace Atelier.Tests.Server;

/// <summary>The `openai` npm package, run by Node against the real server, with only its base URL changed.</summary>
[Collection(ModelCollection.Name)]
public sealed class NodeOpenAiClientTests(TestModels models)
{
    [Fact]
    public async Task Chat_and_streaming_work_from_node()
    {
        var package = NpmPackages.Ensure("openai", "7.55.0");
        var url = AtelierServer.FreeLoopbackUrl();
        await using var app = AtelierServer.Build(url, services => services.AddSingleton(models.Catalog));
        await app.StartAsync();

        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Server", "node-openai-client.cjs"));
        start.ArgumentList.Add(url + "/v1");
        start.ArgumentList.Add(TestModels.Gpt2);
        start.Environment["NODE_PATH"] = Path.GetDirectoryName(package)!;
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(node.ExitCode == 0, await stderr);

        var result = JsonDocument.Parse(await stdout).RootElement;
        Assert.Equal(result.GetProperty("text").GetString(), result.GetProperty("streamed").GetString());
        Assert.Equal("length", result.GetProperty("finish").GetString());
        Assert.Equal(6, result.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Contains(TestModels.Gpt2, result.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
    }
}
