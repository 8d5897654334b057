using ChatPlatform.Testing;
using ChatPlatform.Testing.Servers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace ChatPlatform.Redis.Tests;

/// <summary>Each test stops a redis-server of its own, so the shared one stays undisturbed.</summary>
public sealed class RedisBreakerTests : IAsyncLifetime
{
    private readonly string _directory = TestDirectories.Create("redis-breaker");
    private readonly FakeTimeProvider _time = new();
    private RedisProcess _server = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _server = await RedisProcess.StartAsync(_directory, FreePort.Next(), (_, _) => { }, durable: false, Cancellation);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Once_open_calls_skip_redis_until_the_cool_down_ends_then_a_probe_closes_it()
    {
        using var connection = RedisConnection.Connect(_server.ConnectionString);
        var logger = new ListLogger();
        var breaker = new RedisBreaker(connection, _time, logger);
        var calls = 0;
        Task<bool> Ping(IConnectionMultiplexer redis)
        {
            calls++;
            return redis.GetDatabase().PingAsync().ContinueWith(_ => true, TaskScheduler.Default);
        }
        await breaker.RunAsync(Ping);
        var lost = Signal(h => connection.ConnectionFailed += h, ConnectionType.Interactive);

        await _server.StopAsync();
        await lost.WaitAsync(TimeSpan.FromSeconds(30), Cancellation);
        for (var i = 0; i < RedisBreaker.FailuresToOpen; i++)
        {
            await Assert.ThrowsAsync<RedisUnavailableException>(() => breaker.RunAsync(Ping));
        }
        var callsWhenOpened = calls;
        var skipped = await Assert.ThrowsAsync<RedisUnavailableException>(() => breaker.RunAsync(Ping));
        await Assert.ThrowsAsync<RedisUnavailableException>(() => breaker.RunAsync(Ping));

        Assert.True(breaker.IsOpen);
        Assert.False(breaker.IsAvailable);
        Assert.Equal(callsWhenOpened, calls);
        Assert.Contains("cool-down", skipped.Message, StringComparison.Ordinal);

        // The subscriber's connection may come back first: the breaker needs the interactive one.
        var restored = Signal(h => connection.ConnectionRestored += h, ConnectionType.Interactive);
        await _server.RestartAsync(Cancellation);
        await restored.WaitAsync(TimeSpan.FromSeconds(30), Cancellation);
        // Still cooling down: Redis is back, but the breaker has not probed yet.
        await Assert.ThrowsAsync<RedisUnavailableException>(() => breaker.RunAsync(Ping));
        _time.Advance(RedisBreaker.CoolDown);

        Assert.True(await breaker.RunAsync(Ping));
        Assert.False(breaker.IsOpen);
        // The outage is logged when it begins and when it ends, not once per call.
        Assert.Equal([LogLevel.Warning, LogLevel.Information], logger.Levels);
    }

    [Fact]
    public async Task A_call_redis_does_not_answer_in_time_fails_after_the_operation_timeout()
    {
        using var connection = RedisConnection.Connect(_server.ConnectionString);
        var breaker = new RedisBreaker(connection, _time);
        var never = new TaskCompletionSource<bool>();

        var call = breaker.RunAsync(_ => never.Task);
        Assert.False(call.IsCompleted);
        _time.Advance(RedisBreaker.OperationTimeout);

        var error = await Assert.ThrowsAsync<RedisUnavailableException>(() => call.WaitAsync(TimeSpan.FromSeconds(30), Cancellation));
        Assert.IsType<TimeoutException>(error.InnerException);
        Assert.False(breaker.IsOpen);
    }

    [Fact]
    public void The_connection_is_configured_to_give_up_within_a_second()
    {
        var options = ConfigurationOptions.Parse("localhost:6379");

        RedisConnection.Configure(options);

        Assert.InRange(options.AsyncTimeout, 1, 1_000);
        Assert.InRange(options.SyncTimeout, 1, 1_000);
        Assert.InRange(options.ConnectTimeout, 1, 1_000);
        Assert.False(options.AbortOnConnectFail);
    }

    private sealed class ListLogger : ILogger<RedisBreaker>
    {
        public List<LogLevel> Levels { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Levels)
            {
                Levels.Add(logLevel);
            }
        }
    }

    private static Task Signal(Action<EventHandler<ConnectionFailedEventArgs>> subscribe, ConnectionType? only = null)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscribe((_, e) =>
        {
            if (only is null || e.ConnectionType == only)
            {
                signal.TrySetResult();
            }
        });
        return signal.Task;
    }
}
