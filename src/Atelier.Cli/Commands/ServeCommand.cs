using System.CommandLine;
using System.Net;
using Atelier.Server;

namespace Atelier.Cli.Commands;

/// <summary><c>atelier serve</c>: the OpenAI-compatible HTTP API on Kestrel, on loopback unless told otherwise.</summary>
public static class ServeCommand
{
    public static Command Build()
    {
        var port = new Option<int>("--port", "-p") { Description = "TCP port", DefaultValueFactory = _ => 8080 };
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var command = new Command("serve", "Serve the OpenAI-compatible API (/v1/models, /v1/chat/completions, /v1/completions)") { port, host };
        command.SetAction(async (parse, cancellation) =>
        {
            if (parse.GetValue(port) is < 1 or > 65535) throw new UsageException($"--port must be between 1 and 65535 (got {parse.GetValue(port)})");
            if (!IPAddress.TryParse(parse.GetValue(host), out var address)) throw new UsageException($"--host must be an IP address (got {parse.GetValue(host)})");
            var url = $"http://{(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString())}:{parse.GetValue(port)}";
            await using var app = AtelierServer.Build(url);
            try
            {
                await app.StartAsync(cancellation);
            }
            catch (IOException e)
            {
                throw new UsageException($"cannot listen on {url} ({e.Message})");
            }
            CliOutput.Note($"Atelier is serving the OpenAI-compatible API at {url}/v1 (Ctrl-C stops it)");
            if (parse.GetValue(AtelierCli.JsonOption)) CliOutput.WriteJson(new { url, api = url + "/v1" });
            try { await Task.Delay(Timeout.Infinite, cancellation); } catch (OperationCanceledException) { }
            await app.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }
}
