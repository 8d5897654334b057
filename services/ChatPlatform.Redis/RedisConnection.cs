using StackExchange.Redis;

namespace ChatPlatform.Redis;

public static class RedisConnection
{
    /// <summary>
    /// Connects without failing when Redis is down: the multiplexer keeps reconnecting in the background, and
    /// Redis holds only rebuildable state, so a service starts and reports unready rather than crashing.
    /// </summary>
    public static void Configure(ConfigurationOptions options)
    {
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 5_000;
        options.SyncTimeout = 5_000;
        options.AsyncTimeout = 5_000;
        options.ReconnectRetryPolicy = new ExponentialRetry(deltaBackOffMilliseconds: 250, maxDeltaBackOffMilliseconds: 5_000);
    }

    /// <summary>A connection configured as the services' (<see cref="Configure"/>), for tests and benchmarks.</summary>
    public static ConnectionMultiplexer Connect(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        Configure(options);
        return ConnectionMultiplexer.Connect(options);
    }
}
