using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatPlatform.Redis;

public static class RedisExtensions
{
    /// <summary>
    /// Redis at <c>ConnectionStrings:{connectionName}</c> (<c>host:port[,password=..]</c>) through Aspire's
    /// StackExchange.Redis integration (one shared <see cref="StackExchange.Redis.IConnectionMultiplexer"/>, its health
    /// check and tracing), configured by <see cref="RedisConnection.Configure"/>, plus <see cref="RedisStreams"/>.
    /// </summary>
    public static IHostApplicationBuilder AddRedis(this IHostApplicationBuilder builder, string connectionName = "redis")
    {
        _ = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException(
                $"ConnectionStrings:{connectionName} is not configured; set ConnectionStrings__{connectionName}=host:port.");
        builder.AddRedisClient(connectionName, configureOptions: RedisConnection.Configure);
        builder.Services.AddSingleton<RedisStreams>();
        return builder;
    }
}
