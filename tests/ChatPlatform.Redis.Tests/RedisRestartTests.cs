using ChatPlatform.Testing.Servers;
using ChatPlatform.Redis;
using ChatPlatform.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace ChatPlatform.Redis.Tests;

/// <summary>Each test restarts or stops a redis-server of its own, so the shared one stays undisturbed.</summary>
public sealed class RedisRestartTests : IAsyncLifetime
{
    private readonly string _directory = TestDirectories.Create("redis-restart");
    private RedisProcess _server = null!;

    public async ValueTask InitializeAsync() =>
        _server = await RedisProcess.StartAsync(_directory, FreePort.Next(), (_, _) => { }, durable: false, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> action)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return await action();
            }
            catch (Exception e) when (e is RedisException or TimeoutException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }
    }

    [Fact]
    public async Task The_connection_comes_back_by_itself_after_a_server_restart()
    {
        using var connection = RedisConnection.Connect(_server.ConnectionString);
        var key = RedisFixture.UniqueKey("restart");
        Assert.Equal(1, await connection.GetDatabase().StringIncrementAsync(key));

        await _server.RestartAsync(TestContext.Current.CancellationToken);

        // A server without persistence comes back empty: the platform keeps only rebuildable state in Redis.
        var after = await EventuallyAsync(() => connection.GetDatabase().StringIncrementAsync(key));
        Assert.Equal(1, after);
    }

    [Fact]
    public async Task Subscriptions_are_restored_after_a_server_restart()
    {
        using var connection = RedisConnection.Connect(_server.ConnectionString);
        var channel = RedisChannel.Literal(RedisFixture.UniqueKey("channel"));
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await connection.GetSubscriber().SubscribeAsync(channel, (_, message) => received.TrySetResult(message!));

        await _server.RestartAsync(TestContext.Current.CancellationToken);
        using var publisher = RedisConnection.Connect(_server.ConnectionString);
        await EventuallyAsync(async () =>
        {
            if (await publisher.GetSubscriber().PublishAsync(channel, "after restart") == 0)
            {
                throw new TimeoutException("not resubscribed yet");
            }
            return true;
        });

        Assert.Equal("after restart", await received.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_subscription_made_while_the_server_is_down_is_made_once_it_is_back()
    {
        using var connection = RedisConnection.Connect(_server.ConnectionString);
        var channel = RedisChannel.Literal(RedisFixture.UniqueKey("channel"));
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _server.StopAsync();
        try
        {
            await connection.GetSubscriber().SubscribeAsync(channel, (_, message) => received.TrySetResult(message!));
        }
        catch (RedisException)
        {
            // Refused at once while disconnected; the multiplexer keeps the handler (what chat's stop signals rely on).
        }

        await _server.RestartAsync(TestContext.Current.CancellationToken);
        using var publisher = RedisConnection.Connect(_server.ConnectionString);
        await EventuallyAsync(async () =>
        {
            if (await publisher.GetSubscriber().PublishAsync(channel, "after restart") == 0)
            {
                throw new TimeoutException("not subscribed yet");
            }
            return true;
        });

        Assert.Equal("after restart", await received.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Commands_fail_with_a_clear_error_while_the_server_is_down()
    {
        using var connection = RedisConnection.Connect(_server.ConnectionString);
        await _server.StopAsync();

        var error = await Assert.ThrowsAnyAsync<RedisException>(() => connection.GetDatabase().StringGetAsync("anything"));

        // Which words the client uses depends on whether it has noticed the closed socket yet (then it names no server):
        // either way the error says the command found no connection, or names the server it could not reach.
        Assert.True(
            error.Message.Contains(_server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            || error.Message.StartsWith("No connection is active/available to service this operation: GET anything", StringComparison.Ordinal),
            error.Message);
    }

    [Fact]
    public async Task Health_is_degraded_while_the_server_is_down_and_healthy_once_it_is_back()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:redis"] = _server.ConnectionString;
        builder.AddRedis("redis");
        using var host = builder.Build();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(TestContext.Current.CancellationToken)).Status);

        await _server.StopAsync();
        var whileDown = await health.CheckHealthAsync(TestContext.Current.CancellationToken);
        await _server.RestartAsync(TestContext.Current.CancellationToken);
        var afterwards = await EventuallyAsync(async () =>
        {
            var report = await health.CheckHealthAsync(TestContext.Current.CancellationToken);
            return report.Status == HealthStatus.Healthy ? report : throw new TimeoutException("not healthy yet");
        });

        // Degraded: the services answer without Redis, so they must stay in rotation.
        Assert.Equal(HealthStatus.Degraded, whileDown.Status);
        Assert.Equal(HealthStatus.Healthy, afterwards.Status);
    }

    [Fact]
    public void A_missing_connection_string_is_a_clear_start_up_error()
    {
        var builder = Host.CreateApplicationBuilder();

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddRedis("redis"));

        Assert.Contains("ConnectionStrings__redis", error.Message, StringComparison.Ordinal);
    }
}
