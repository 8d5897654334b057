using ChatPlatform.Redis;
using StackExchange.Redis;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary>How full one window is after an attempt: <see cref="Used"/> counts the attempt when it was admitted.</summary>
public sealed record WindowCount(long Used, TimeSpan UntilOldestExpires);

/// <summary>
/// Exact sliding windows in Redis: one sorted set per key, scored by the time of each admitted call. The script reads
/// the clock from Redis (TIME), so every gateway instance judges against the same clock, and admits a call only when
/// every key has room, adding it to all of them at once. Throws <see cref="RedisUnavailableException"/> when Redis
/// cannot be asked (see <see cref="LocalSlidingWindows"/> for what then counts).
/// </summary>
public sealed class SlidingWindowStore(RedisBreaker redis)
{
    // KEYS: the windows. ARGV[1]: a unique member for this call; ARGV[2]: the window in microseconds;
    // ARGV[2 + i]: the limit of KEYS[i]. Returns {admitted, used_1, reset_1, used_2, reset_2, ...}, resets in microseconds.
    private const string AcquireScript = """
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
        local window = tonumber(ARGV[2])
        local counts = {}
        local admitted = 1
        for i = 1, #KEYS do
          redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
          counts[i] = redis.call('ZCARD', KEYS[i])
          if counts[i] >= tonumber(ARGV[2 + i]) then admitted = 0 end
        end
        local result = {admitted}
        for i = 1, #KEYS do
          local used = counts[i]
          if admitted == 1 then
            redis.call('ZADD', KEYS[i], now, ARGV[1])
            redis.call('PEXPIRE', KEYS[i], math.ceil(window / 1000))
            used = used + 1
          end
          local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
          local reset = 0
          if oldest[2] then reset = tonumber(oldest[2]) + window - now end
          result[#result + 1] = used
          result[#result + 1] = reset
        end
        return result
        """;

    /// <summary>Admits one call when every window has room; returns whether it did and each window's count.</summary>
    public async Task<(bool Admitted, IReadOnlyList<WindowCount> Windows)> AcquireAsync(
        IReadOnlyList<(string Key, int Limit)> windows, TimeSpan window)
    {
        var arguments = new RedisValue[windows.Count + 2];
        arguments[0] = Guid.NewGuid().ToString("N");
        arguments[1] = (long)(window.TotalMicroseconds);
        for (var i = 0; i < windows.Count; i++)
        {
            arguments[i + 2] = windows[i].Limit;
        }
        var keys = windows.Select(w => (RedisKey)w.Key).ToArray();
        var result = (RedisResult[])(await redis.RunAsync(r => r.GetDatabase().ScriptEvaluateAsync(AcquireScript, keys, arguments)))!;
        var counts = new WindowCount[windows.Count];
        for (var i = 0; i < windows.Count; i++)
        {
            counts[i] = new WindowCount((long)result[1 + 2 * i], TimeSpan.FromMicroseconds((long)result[2 + 2 * i]));
        }
        return ((long)result[0] == 1, counts);
    }
}
