using StackExchange.Redis;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary>
/// Opens the Redis connection at start-up rather than on the first call, so the first calls find it made instead of
/// waiting on it (or failing open while it is being made). In the background: a Redis outage must not delay start-up.
/// </summary>
public sealed class RedisWarmUp(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(() => services.GetRequiredService<IConnectionMultiplexer>(), CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
