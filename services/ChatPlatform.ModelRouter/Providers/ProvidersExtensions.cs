using Microsoft.Extensions.DependencyInjection.Extensions;
using ChatPlatform.ModelRouter.Model;

namespace ChatPlatform.ModelRouter.Providers;

public static class ProvidersExtensions
{
    /// <summary>
    /// The provider clients: <see cref="IChatClientFactory"/>, <see cref="Embeddings.IEmbeddingClientFactory"/> and the HTTP clients the SDKs send through. Those
    /// clients carry no resilience handler: routing decides on every retry and failover, and a streamed answer
    /// must not be cut by a total-request timeout.
    /// </summary>
    public static IHostApplicationBuilder AddChatProviders(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHttpClient();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<IChatClientFactory, ChatClientFactory>();
        builder.Services.TryAddSingleton<Embeddings.IEmbeddingClientFactory, Embeddings.EmbeddingClientFactory>();
        AddProviderHttpClient(builder.Services, ChatClientFactory.OpenAIHttpClientName);
        AddProviderHttpClient(builder.Services, ChatClientFactory.AnthropicHttpClientName)
            .AddHttpMessageHandler(() => new ProviderErrorHandler(ProviderKind.Anthropic));
        return builder;
    }

    private static IHttpClientBuilder AddProviderHttpClient(IServiceCollection services, string name)
    {
        var http = services.AddHttpClient(name);
        // Providers are reached by their real addresses: the service defaults' handlers for calls between our own
        // services (resilience, service discovery) have no work here but cost every request.
        http.ConfigureAdditionalHttpMessageHandlers((handlers, _) => handlers.Clear());
        // The clients are kept for the deployment's lifetime, so connections are recycled to follow DNS changes.
        http.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        http.ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan);
        // The factory's request logging opens a logging scope per call even when its Information lines are filtered
        // out (as they are here); provider failures are logged and traced by routing instead.
        http.RemoveAllLoggers();
        return http;
    }
}
