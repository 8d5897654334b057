using ChatPlatform.Redis;
using ChatPlatform.Testing;
using StackExchange.Redis;

namespace ChatPlatform.Redis.Tests;

/// <summary>The commands the platform relies on, against a real redis-server, through one shared connection.</summary>
public sealed class RedisCommandsTests(RedisFixture redis) : IDisposable
{
    private readonly ConnectionMultiplexer _connection = RedisConnection.Connect(redis.ConnectionString);

    private IDatabase Database => _connection.GetDatabase();

    public void Dispose() => _connection.Dispose();

    [Fact]
    public async Task A_string_set_with_expiry_is_gone_after_it()
    {
        var key = RedisFixture.UniqueKey("string");

        await Database.StringSetAsync(key, "value", TimeSpan.FromMilliseconds(200));
        var before = await Database.StringGetAsync(key);
        var ttl = await Database.KeyTimeToLiveAsync(key);
        await Task.Delay(400, TestContext.Current.CancellationToken);

        Assert.Equal("value", before.ToString());
        Assert.InRange(ttl!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(200));
        Assert.True((await Database.StringGetAsync(key)).IsNull);
    }

    [Fact]
    public async Task Concurrent_increments_from_many_callers_are_all_counted()
    {
        var key = RedisFixture.UniqueKey("counter");

        var results = await Task.WhenAll(Enumerable.Range(0, 2_000).Select(_ => Database.StringIncrementAsync(key)));

        Assert.Equal(2_000, (long)await Database.StringGetAsync(key));
        Assert.Equal(Enumerable.Range(1, 2_000).Select(i => (long)i), results.Order());
    }

    [Fact]
    public async Task Pipelined_commands_from_concurrent_callers_each_get_their_own_answer()
    {
        var keys = Enumerable.Range(0, 5_000).Select(i => RedisFixture.UniqueKey($"pipe-{i}")).ToArray();

        await Task.WhenAll(keys.Select((key, i) => Database.StringSetAsync(key, i)));
        var values = await Task.WhenAll(keys.Select(key => Database.StringGetAsync(key)));

        Assert.Equal(Enumerable.Range(0, 5_000), values.Select(v => (int)v));
    }

    [Fact]
    public async Task A_script_runs_atomically_and_survives_a_script_cache_flush()
    {
        var key = RedisFixture.UniqueKey("script");
        var script = LuaScript.Prepare("local v = redis.call('INCRBY', @key, @by) redis.call('PEXPIRE', @key, 60000) return v");
        using var admin = ConnectionMultiplexer.Connect(redis.ConnectionString + ",allowAdmin=true");
        var loaded = await script.LoadAsync(admin.GetServer(admin.GetEndPoints()[0]));

        var first = (long)await Database.ScriptEvaluateAsync(loaded, new { key = (RedisKey)key, by = 5 });
        await admin.GetServer(admin.GetEndPoints()[0]).ScriptFlushAsync();
        var second = (long)await Database.ScriptEvaluateAsync(script, new { key = (RedisKey)key, by = 5 });

        Assert.Equal(5, first);
        Assert.Equal(10, second);
        Assert.NotNull(await Database.KeyTimeToLiveAsync(key));
    }

    [Fact]
    public async Task Delete_removes_keys_and_reports_how_many()
    {
        var keys = new RedisKey[] { RedisFixture.UniqueKey("a"), RedisFixture.UniqueKey("b"), RedisFixture.UniqueKey("missing") };
        await Database.StringSetAsync(keys[0], "1");
        await Database.StringSetAsync(keys[1], "2");

        var deleted = await Database.KeyDeleteAsync(keys);

        Assert.Equal(2, deleted);
        Assert.False(await Database.KeyExistsAsync(keys[0]));
    }

    [Fact]
    public async Task Published_messages_reach_subscribers_on_their_own_connection_in_order()
    {
        var channel = RedisChannel.Literal(RedisFixture.UniqueKey("channel"));
        using var publisher = RedisConnection.Connect(redis.ConnectionString);
        // The queue form delivers in publish order; handler callbacks may run concurrently.
        var queue = await _connection.GetSubscriber().SubscribeAsync(channel);

        var listeners = 0L;
        foreach (var message in new[] { "one", "two", "three" })
        {
            listeners += await publisher.GetSubscriber().PublishAsync(channel, message);
        }
        var received = new List<string>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 3; i++)
        {
            received.Add((await queue.ReadAsync(timeout.Token)).Message!);
        }

        Assert.Equal(3, listeners);
        Assert.Equal(["one", "two", "three"], received);
    }
}
