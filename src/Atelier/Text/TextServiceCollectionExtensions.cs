using Atelier.Models;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Atelier.Text;

public static class TextServiceCollectionExtensions
{
    /// <summary>Registers the text pipeline: model catalog, llama.cpp model cache, generator, and the IChatClient over them.</summary>
    public static IServiceCollection AddAtelierText(this IServiceCollection services)
    {
        services.AddSingleton(_ => ModelCatalog.Default());
        services.AddSingleton(_ => new LlamaModelCache());
        services.AddSingleton<TextGenerator>();
        services.AddSingleton<AtelierChatClient>();
        services.AddSingleton<IChatClient>(sp => sp.GetRequiredService<AtelierChatClient>());
        return services;
    }
}
