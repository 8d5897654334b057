using ChatPlatform.Identity;
using ChatPlatform.ModelRouter.Providers;
using ChatPlatform.ModelRouter.Routing;
using ChatPlatform.Postgres;
using ChatPlatform.Redis;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatPlatform.ModelRouter.Extensions;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // Every route but /health and /alive needs an internal token; the admin API an admin's (see Program).
        builder.AddInternalAuthentication();
        builder.AddChatDatabase("router", typeof(Program).Assembly);
        builder.AddRedis("redis");
        builder.AddModelCatalog();
        builder.AddChatProviders();
        builder.AddChatRouting();
    }

    /// <summary>
    /// Routing: <see cref="ChatRouter"/>, <see cref="EmbeddingRouter"/>, <see cref="DeploymentSelector"/> and the per-process
    /// <see cref="DeploymentHealthRegistry"/>, configured from the <c>Routing</c> section. Needs an
    /// <see cref="Catalog.IModelCatalog"/>, an <see cref="IChatClientFactory"/> and an
    /// <see cref="Providers.Embeddings.IEmbeddingClientFactory"/>.
    /// </summary>
    public static IHostApplicationBuilder AddChatRouting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.SectionName).ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(Random.Shared);
        builder.Services.TryAddSingleton<DeploymentHealthRegistry>();
        builder.Services.TryAddSingleton<DeploymentSelector>();
        builder.Services.TryAddSingleton<ChatRouter>();
        builder.Services.TryAddSingleton<EmbeddingRouter>();
        return builder;
    }
}
