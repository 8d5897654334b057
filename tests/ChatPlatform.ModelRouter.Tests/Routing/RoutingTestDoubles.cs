using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers;
using ChatPlatform.ModelRouter.Routing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ChatPlatform.ModelRouter.Tests.Routing;

internal sealed class InMemoryCatalog(IReadOnlyList<ModelDefinition> models, IReadOnlyList<DeploymentDefinition> deployments) : IModelCatalog
{
    public CatalogSnapshot Current { get; set; } = new(models, deployments);
}

internal sealed class ScriptedClientFactory : IChatClientFactory
{
    public Dictionary<string, ScriptedChatClient> Clients { get; } = new(StringComparer.Ordinal);

    public IChatClient GetClient(DeploymentDefinition deployment) =>
        Clients.TryGetValue(deployment.Id, out var client)
            ? client
            : throw new InvalidOperationException($"No scripted client for '{deployment.Id}'.");
}

/// <summary>A clock that moves only when told to (Polly's circuit breaker and Retry-After read it).</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>A router over an in-memory catalog and scripted clients; deployments are named d1, d2… in priority order.</summary>
internal sealed class RouterHarness
{
    public RouterHarness(
        ModelDefinition model, IReadOnlyList<DeploymentDefinition> deployments, RoutingOptions? options = null,
        TimeProvider? time = null, Random? random = null)
    {
        Model = model;
        Options = options ?? new RoutingOptions();
        Time = time ?? TimeProvider.System;
        Catalog = new InMemoryCatalog([model], deployments);
        Health = new DeploymentHealthRegistry(Microsoft.Extensions.Options.Options.Create(Options), Time);
        Selector = new DeploymentSelector(Health, random ?? new Random(42));
        Router = new ChatRouter(Catalog, Factory, Selector, Health, Microsoft.Extensions.Options.Options.Create(Options), Time);
    }

    public ModelDefinition Model { get; }

    public RoutingOptions Options { get; }

    public TimeProvider Time { get; }

    public InMemoryCatalog Catalog { get; }

    public ScriptedClientFactory Factory { get; } = new();

    public DeploymentHealthRegistry Health { get; }

    public DeploymentSelector Selector { get; }

    public ChatRouter Router { get; }

    public static ModelDefinition ChatModel(RoutingStrategy strategy = RoutingStrategy.Priority, bool vision = false, bool tools = false) =>
        new("chat-model", "Chat model", 128_000, 4_096, new ModelCapabilities(Vision: vision, Tools: tools), strategy);

    public static DeploymentDefinition Deployment(
        string id, int priority = 1, int weight = 1, Pricing? price = null, ProviderKind provider = ProviderKind.OpenAI) =>
        new(id, "chat-model", provider, $"{id}-model", new Uri("https://example.invalid/v1/"), null, priority, weight, price ?? Pricing.Free);

    public static RouterHarness WithDeployments(params DeploymentDefinition[] deployments) => new(ChatModel(), deployments);

    public ScriptedChatClient Script(string deploymentId, ScriptedChatClient client)
    {
        Factory.Clients[deploymentId] = client;
        return client;
    }

    public static RouteRequest Ask(string text = "Say hello", int? maxOutputTokens = null) =>
        new("chat-model", [new ChatMessage(ChatRole.User, text)], new ChatOptions { MaxOutputTokens = maxOutputTokens });

    /// <summary>Routes and reads the whole answer: its text, the failure that ended it (if any) and its usage.</summary>
    public async Task<(string Text, RoutingException? Failure, RoutedStream Stream)> RunAsync(RouteRequest? request = null, CancellationToken cancellationToken = default)
    {
        var stream = await Router.StartAsync(request ?? Ask(), cancellationToken);
        var text = new System.Text.StringBuilder();
        RoutingException? failure = null;
        await using (stream)
        {
            try
            {
                await foreach (var update in stream.WithCancellation(cancellationToken))
                {
                    text.Append(update.Text);
                }
            }
            catch (RoutingException e)
            {
                failure = e;
            }
        }
        return (text.ToString(), failure, stream);
    }
}
