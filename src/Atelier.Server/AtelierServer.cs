using Atelier.Server.OpenAi;
using Atelier.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Atelier.Server;

/// <summary>
/// The HTTP face of Atelier: an OpenAI-compatible API over the same services the CLI uses. One request path, as in
/// llama.cpp's server: parse and validate the request once, at the edge, then call the pipeline.
/// </summary>
public static class AtelierServer
{
    /// <summary>A loopback URL on a port the system just reported free, for benchmarks and tests that start their own server.</summary>
    public static string FreeLoopbackUrl()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    public static WebApplication Build(string url, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddAtelierText();
        builder.Services.AddSingleton(_ => new ModelGate());
        builder.Services.AddSingleton<ServerMetrics>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ServerMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            // Every scrape sees the latest values; a cache would hide what a request just changed.
            .AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 0));
        configure?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapGet("/healthz", () => Microsoft.AspNetCore.Http.Results.Text("ok"));
        // Ready when the models can be listed: the catalog's folders are readable.
        app.MapGet("/readyz", (Atelier.Models.ModelCatalog catalog) => Microsoft.AspNetCore.Http.Results.Text($"ready: {catalog.Entries().Count} models"));
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapOpenAi();
        return app;
    }
}
