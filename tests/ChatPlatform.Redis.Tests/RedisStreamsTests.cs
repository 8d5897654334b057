using ChatPlatform.Redis;
using ChatPlatform.Testing;
using StackExchange.Redis;

namespace ChatPlatform.Redis.Tests;

public sealed class RedisStreamsTests(RedisFixture redis) : IDisposable
{
    private readonly ConnectionMultiplexer _connection = RedisConnection.Connect(redis.ConnectionString);

    public void Dispose() => _connection.Dispose();

    private static KeyValuePair<string, string>[] Delta(int i) => [new("type", "delta"), new("text", $"token {i}")];

    private static async Task<List<StreamEntry>> TakeAsync(IAsyncEnumerable<StreamEntry> entries, int count)
    {
        var taken = new List<StreamEntry>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        await foreach (var entry in entries.WithCancellation(timeout.Token))
        {
            taken.Add(entry);
            if (taken.Count == count)
            {
                break;
            }
        }
        return taken;
    }

    [Fact]
    public async Task A_reader_that_starts_first_gets_every_entry_in_order_as_it_is_appended()
    {
        var streams = new RedisStreams(new RedisBreaker(_connection));
        var key = RedisFixture.UniqueKey("stream");
        var reading = TakeAsync(streams.TailAsync(key, "0", TestContext.Current.CancellationToken), 50);

        for (var i = 0; i < 50; i++)
        {
            await streams.AppendAsync(key, Delta(i), TimeSpan.FromMinutes(5));
        }
        var entries = await reading;

        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"token {i}"), entries.Select(e => e["text"].ToString()));
    }

    [Fact]
    public async Task A_reader_resuming_from_an_id_gets_only_what_came_after_it()
    {
        var streams = new RedisStreams(new RedisBreaker(_connection));
        var key = RedisFixture.UniqueKey("stream");
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add(await streams.AppendAsync(key, Delta(i), TimeSpan.FromMinutes(5)));
        }

        var entries = await TakeAsync(streams.TailAsync(key, ids[6], TestContext.Current.CancellationToken), 3);

        Assert.Equal(ids[7..], entries.Select(e => e.Id.ToString()));
    }

    [Fact]
    public async Task A_waiting_reader_is_woken_by_the_append_not_by_the_fallback_poll()
    {
        var streams = new RedisStreams(new RedisBreaker(_connection));
        var key = RedisFixture.UniqueKey("stream");
        await streams.AppendAsync(key, Delta(0), TimeSpan.FromMinutes(5));
        var reading = TakeAsync(streams.TailAsync(key, "0", TestContext.Current.CancellationToken), 2);
        await Task.Delay(300, TestContext.Current.CancellationToken); // let the reader drain and start waiting

        var appendedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        await streams.AppendAsync(key, Delta(1), TimeSpan.FromMinutes(5));
        await reading;
        var latency = System.Diagnostics.Stopwatch.GetElapsedTime(appendedAt);

        Assert.True(latency < RedisStreams.FallbackPollInterval / 2, $"woken after {latency.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Appending_sets_the_expiry_of_the_stream()
    {
        var streams = new RedisStreams(new RedisBreaker(_connection));
        var key = RedisFixture.UniqueKey("stream");

        await streams.AppendAsync(key, Delta(0), TimeSpan.FromSeconds(30));

        Assert.InRange((await _connection.GetDatabase().KeyTimeToLiveAsync(key))!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
    }
}
