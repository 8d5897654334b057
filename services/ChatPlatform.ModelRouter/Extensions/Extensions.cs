using ChatPlatform.ModelRouter.Providers;
using ChatPlatform.ModelRouter.Routing;
using ChatPlatform.Postgres;
using ChatPlatform.Redis;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatPlatform.ModelRouter.Extensions;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddChatDatabase("router", typeof(Program).Assembly);
        builder.AddRedisClient("redis");
        builder.AddModelCatalog();
        builder.AddChatProviders();
        builder.AddChatRouting();
        builder.AddInlineSocketScheduling();
    }

    /// <summary>
    /// Kestrel runs request code on the thread that completed the socket read, and sends on the thread that flushed,
    /// instead of queueing each to the thread pool again: one thread-pool hop less in and out of every request and
    /// every streamed event, which is most of a proxy's added latency. Safe here because nothing on those paths
    /// blocks a thread. <c>Kestrel:PreferInlineScheduling=false</c> turns it off.
    /// </summary>
    public static IHostApplicationBuilder AddInlineSocketScheduling(this IHostApplicationBuilder builder)
    {
        var inline = builder.Configuration.GetValue("Kestrel:PreferInlineScheduling", defaultValue: true);
        builder.Services.Configure<SocketTransportOptions>(options => options.UnsafePreferInlineScheduling = inline);
        return builder;
    }

    /// <summary>
    /// Routing: <see cref="ChatRouter"/>, <see cref="DeploymentSelector"/> and the per-process
    /// <see cref="DeploymentHealthRegistry"/>, configured from the <c>Routing</c> section. Needs an
    /// <see cref="Catalog.IModelCatalog"/> and an <see cref="IChatClientFactory"/>.
    /// </summary>
    public static IHostApplicationBuilder AddChatRouting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RoutingOptions>().Bind(builder.Configuration.GetSection(RoutingOptions.SectionName));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(Random.Shared);
        builder.Services.TryAddSingleton<DeploymentHealthRegistry>();
        builder.Services.TryAddSingleton<DeploymentSelector>();
        builder.Services.TryAddSingleton<ChatRouter>();
        return builder;
    }
}
