using System.Security.Cryptography;
using System.Text;
using ChatPlatform.Gateway.Services;
using ChatPlatform.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary>
/// Failed sign-ins counted in fixed windows, per client address (against spraying many accounts) and per account and
/// address together (against guessing one account's password). Not per account alone: then anyone could keep a victim
/// locked out from anywhere, five bad passwords every window; this way the victim's own address stays open, and a
/// distributed guesser gets five tries per address per window. Keys hold a hash of the email and address, never the
/// email itself. While Redis is unreachable the counts are this instance's own (<see cref="LocalFailureCounts"/>):
/// sign-in keeps working and stays throttled.
/// </summary>
public sealed class SignInThrottle(RedisBreaker redis, IOptions<AuthOptions> options, TimeProvider time)
{
    private readonly AuthOptions _options = options.Value;
    private readonly LocalFailureCounts _local = new(time);

    // INCR and set the window on the first failure only, atomically.
    private const string CountFailureScript = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return n
        """;

    /// <summary>How long until the caller may try again; null when it may try now.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(string email, string address)
    {
        string[] keys = [AccountKey(email, address), AddressKey(address)];
        FailureCount[] counts;
        try
        {
            counts = await redis.RunAsync(r => Task.WhenAll(keys.Select(key => ReadAsync(r.GetDatabase(), key))));
        }
        catch (RedisUnavailableException)
        {
            counts = [.. keys.Select(_local.Read)];
        }
        TimeSpan? wait = null;
        if (counts[0].Count >= _options.SignInFailuresPerAccount)
        {
            wait = counts[0].TimeToLive ?? _options.SignInThrottleWindow;
        }
        if (counts[1].Count >= _options.SignInFailuresPerAddress)
        {
            var addressWait = counts[1].TimeToLive ?? _options.SignInThrottleWindow;
            wait = wait is { } w && w > addressWait ? w : addressWait;
        }
        return wait;
    }

    public async Task RecordFailureAsync(string email, string address)
    {
        var window = (long)_options.SignInThrottleWindow.TotalMilliseconds;
        try
        {
            await redis.RunAsync(r => Task.WhenAll(
                r.GetDatabase().ScriptEvaluateAsync(CountFailureScript, [AccountKey(email, address)], [window]),
                r.GetDatabase().ScriptEvaluateAsync(CountFailureScript, [AddressKey(address)], [window])));
        }
        catch (RedisUnavailableException)
        {
            _local.Increment(AccountKey(email, address), _options.SignInThrottleWindow);
            _local.Increment(AddressKey(address), _options.SignInThrottleWindow);
        }
    }

    /// <summary>A success clears the account's count at that address; the address count stays, so one valid account cannot launder guesses at others.</summary>
    public async Task ResetAsync(string email, string address)
    {
        _local.Remove(AccountKey(email, address));
        try
        {
            await redis.RunAsync(r => r.GetDatabase().KeyDeleteAsync(AccountKey(email, address)));
        }
        catch (RedisUnavailableException)
        {
            // The local count is cleared; a Redis count left from before the outage expires with its window.
        }
    }

    private static async Task<FailureCount> ReadAsync(IDatabase database, string key)
    {
        var count = database.StringGetAsync(key);
        var timeToLive = database.KeyTimeToLiveAsync(key);
        return new FailureCount((int?)await count ?? 0, await timeToLive);
    }

    private static string AccountKey(string email, string address) =>
        $"gateway:signin-failures:account:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{email}\n{address}")))}";

    private static string AddressKey(string address) => $"gateway:signin-failures:address:{address}";
}

public readonly record struct FailureCount(int Count, TimeSpan? TimeToLive);
