using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace ChatPlatform.Redis;

public static class RedisExtensions
{
    /// <summary>
    /// Redis at <c>ConnectionStrings:{connectionName}</c> (<c>host:port[,password=..]</c>) through Aspire's
    /// StackExchange.Redis integration (one shared <see cref="StackExchange.Redis.IConnectionMultiplexer"/>, its health
    /// tracing), configured by <see cref="RedisConnection.Configure"/>, plus <see cref="RedisStreams"/> and the one
    /// <see cref="RedisBreaker"/> every caller goes through. Its health entry says degraded, not unhealthy, while Redis
    /// is down (<see cref="RedisHealthCheck"/>), in place of the integration's own.
    /// </summary>
    public static IHostApplicationBuilder AddRedis(this IHostApplicationBuilder builder, string connectionName = "redis")
    {
        _ = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException(
                $"ConnectionStrings:{connectionName} is not configured; set ConnectionStrings__{connectionName}=host:port.");
        builder.AddRedisClient(connectionName, settings => settings.DisableHealthChecks = true, RedisConnection.Configure);
        builder.Services.AddSingleton<RedisBreaker>();
        builder.Services.AddSingleton<RedisStreams>();
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>(connectionName, HealthStatus.Degraded);
        return builder;
    }
}
