using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace ChatPlatform.Redis;

/// <summary>
/// Append-and-tail over Redis streams. A multiplexed connection cannot block on XREAD, so a reader waits for a
/// pub/sub wake-up published with each append (one subscriber connection serves every reader) and then reads the
/// new entries with XRANGE; a slow poll covers a wake-up lost while reconnecting. Every call goes through the
/// <see cref="RedisBreaker"/>: while Redis is unreachable they throw <see cref="RedisUnavailableException"/> at once.
/// </summary>
public sealed class RedisStreams(RedisBreaker redis)
{
    // XADD, refresh the expiry and wake readers in one atomic step, so no reader ever misses an entry's wake-up.
    private static readonly LuaScript AppendScript = LuaScript.Prepare(
        """
        local id = redis.call('XADD', @key, 'MAXLEN', '~', @maxLength, '*', unpack(ARGV, 4))
        redis.call('PEXPIRE', @key, @ttlMs)
        redis.call('PUBLISH', @channel, id)
        return id
        """.Replace("@key", "KEYS[1]", StringComparison.Ordinal)
            .Replace("@maxLength", "ARGV[1]", StringComparison.Ordinal)
            .Replace("@ttlMs", "ARGV[2]", StringComparison.Ordinal)
            .Replace("@channel", "ARGV[3]", StringComparison.Ordinal));

    public static TimeSpan FallbackPollInterval { get; } = TimeSpan.FromSeconds(1);

    /// <summary>Appends one entry (field/value pairs) and returns its stream id.</summary>
    public async Task<string> AppendAsync(string key, IReadOnlyList<KeyValuePair<string, string>> fields, TimeSpan timeToLive, long maxLength = 100_000)
    {
        var arguments = new List<RedisValue>(3 + (fields.Count * 2)) { maxLength, (long)timeToLive.TotalMilliseconds, ChannelFor(key) };
        foreach (var (name, value) in fields)
        {
            arguments.Add(name);
            arguments.Add(value);
        }
        var result = await redis.RunAsync(r => r.GetDatabase().ScriptEvaluateAsync(AppendScript.ExecutableScript, [key], [.. arguments]));
        return result.ToString();
    }

    /// <summary>
    /// Yields the entries after <paramref name="afterId"/> ("0" for all), then every new one as it is appended,
    /// until the caller stops enumerating or cancels.
    /// </summary>
    public async IAsyncEnumerable<StreamEntry> TailAsync(string key, string afterId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var wakeUp = new SemaphoreSlim(0);
        var subscriber = redis.Connection.GetSubscriber();
        var channel = RedisChannel.Literal(ChannelFor(key));
        void OnMessage(RedisChannel _, RedisValue __)
        {
            if (wakeUp.CurrentCount == 0)
            {
                wakeUp.Release();
            }
        }

        // Subscribe before the first read, so an append between the read and the wait still wakes us.
        await redis.RunAsync(_ => subscriber.SubscribeAsync(channel, OnMessage));
        try
        {
            var last = afterId;
            while (!cancellationToken.IsCancellationRequested)
            {
                var entries = await redis.RunAsync(r => r.GetDatabase().StreamRangeAsync(key, minId: "(" + last, maxId: "+", count: 500));
                foreach (var entry in entries)
                {
                    last = entry.Id!;
                    yield return entry;
                }
                if (entries.Length == 0)
                {
                    await wakeUp.WaitAsync(FallbackPollInterval, cancellationToken);
                }
            }
        }
        finally
        {
            try
            {
                await subscriber.UnsubscribeAsync(channel, OnMessage);
            }
            catch (RedisException)
            {
                // Gone with the connection; the handler is dropped from the multiplexer's table either way.
            }
            wakeUp.Dispose();
        }
    }

    private static string ChannelFor(string key) => key + ":appended";
}
