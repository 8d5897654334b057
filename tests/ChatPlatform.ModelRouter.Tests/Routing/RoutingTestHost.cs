using ChatPlatform.ModelRouter.Apis;
using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.Extensions;
using ChatPlatform.ModelRouter.Providers;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatPlatform.ModelRouter.Tests.Routing;

/// <summary>
/// The router's chat and embeddings APIs on a loopback port, wired as the service wires it (service defaults, routing) but over an
/// in-memory catalog, and either scripted clients or the real provider factory (for fake provider servers).
/// </summary>
internal sealed class RoutingTestHost : IAsyncDisposable
{
    private readonly LoopbackHttpServer _server;

    private RoutingTestHost(LoopbackHttpServer server)
    {
        _server = server;
        Client = new HttpClient { BaseAddress = server.BaseAddress };
    }

    public HttpClient Client { get; }

    public Uri BaseAddress => _server.BaseAddress;

    public IServiceProvider Services => _server.App.Services;

    /// <summary>The official OpenAI .NET client, pointed at this router as any OpenAI caller would point it.</summary>
    public global::OpenAI.Chat.ChatClient OpenAIClient(string model = "chat-model") =>
        new(model, new System.ClientModel.ApiKeyCredential("sk-caller"), new global::OpenAI.OpenAIClientOptions { Endpoint = new Uri(BaseAddress, "v1/") });

    /// <param name="clients">Scripted clients; null for the real <see cref="ChatClientFactory"/>.</param>
    public static async Task<RoutingTestHost> StartAsync(
        IModelCatalog catalog, IChatClientFactory? clients, IDictionary<string, string?>? settings = null)
    {
        var server = await LoopbackHttpServer.StartAsync(
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
                builder.AddServiceDefaults();
                builder.Services.AddSingleton(catalog);
                if (clients is not null)
                {
                    builder.Services.AddSingleton(clients);
                }
                builder.AddChatProviders();
                builder.AddChatRouting();
            },
            app =>
            {
                app.UseProblemDetails();
                app.MapDefaultEndpoints();
                app.MapChatCompletionsApi();
                app.MapEmbeddingsApi();
                app.MapProvidersHealthApi();
            },
            TestContext.Current.CancellationToken);
        return new RoutingTestHost(server);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _server.DisposeAsync();
    }
}
