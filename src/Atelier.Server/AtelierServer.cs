using Atelier.Server.OpenAi;
using Atelier.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Atelier.Server;

/// <summary>
/// The HTTP face of Atelier: an OpenAI-compatible API over the same services the CLI uses. One request path, as in
/// llama.cpp's server: parse and validate the request once, at the edge, then call the pipeline.
/// </summary>
public static class AtelierServer
{
    public static WebApplication Build(string url, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddAtelierText();
        builder.Services.AddSingleton<ModelGate>();
        configure?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapGet("/healthz", () => Microsoft.AspNetCore.Http.Results.Text("ok"));
        app.MapOpenAi();
        return app;
    }
}
