using StackExchange.Redis;

namespace ChatPlatform.Redis;

public static class RedisConnection
{
    /// <summary>
    /// Connects without failing when Redis is down: the multiplexer keeps reconnecting in the background, and
    /// Redis holds only rebuildable state, so a service starts and runs degraded rather than crashing. Timeouts are
    /// short because every call is on a request's path and has a fallback (<see cref="RedisBreaker"/>): waiting
    /// seconds for a Redis that is gone made each request seconds slower.
    /// </summary>
    public static void Configure(ConfigurationOptions options)
    {
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 1_000;
        options.SyncTimeout = (int)RedisBreaker.OperationTimeout.TotalMilliseconds;
        options.AsyncTimeout = (int)RedisBreaker.OperationTimeout.TotalMilliseconds;
        // Commands issued while disconnected fail at once rather than wait in a backlog for the reconnection.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ReconnectRetryPolicy = new ExponentialRetry(deltaBackOffMilliseconds: 250, maxDeltaBackOffMilliseconds: 2_000);
    }

    /// <summary>A connection configured as the services' (<see cref="Configure"/>), for tests and benchmarks.</summary>
    public static ConnectionMultiplexer Connect(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        Configure(options);
        return ConnectionMultiplexer.Connect(options);
    }
}
