using System.Security.Cryptography;
using System.Text;
using ChatPlatform.Gateway.Services;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary>
/// Failed sign-ins counted in Redis, in fixed windows, per client address (against spraying many accounts) and per
/// account and address together (against guessing one account's password). Not per account alone: then anyone could
/// keep a victim locked out from anywhere, five bad passwords every window; this way the victim's own address stays
/// open, and a distributed guesser gets five tries per address per window. Keys hold a hash of the email and address,
/// never the email itself.
/// </summary>
public sealed class SignInThrottle(IConnectionMultiplexer redis, IOptions<AuthOptions> options)
{
    private readonly AuthOptions _options = options.Value;

    // INCR and set the window on the first failure only, atomically.
    private const string CountFailureScript = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return n
        """;

    /// <summary>How long until the caller may try again; null when it may try now.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(string email, string address)
    {
        var database = redis.GetDatabase();
        var accountKey = AccountKey(email, address);
        var addressKey = AddressKey(address);
        var counts = await database.StringGetAsync([accountKey, addressKey]);
        TimeSpan? wait = null;
        if ((int?)counts[0] >= _options.SignInFailuresPerAccount)
        {
            wait = await database.KeyTimeToLiveAsync(accountKey) ?? _options.SignInThrottleWindow;
        }
        if ((int?)counts[1] >= _options.SignInFailuresPerAddress)
        {
            var addressWait = await database.KeyTimeToLiveAsync(addressKey) ?? _options.SignInThrottleWindow;
            wait = wait is { } w && w > addressWait ? w : addressWait;
        }
        return wait;
    }

    public async Task RecordFailureAsync(string email, string address)
    {
        var database = redis.GetDatabase();
        var window = (long)_options.SignInThrottleWindow.TotalMilliseconds;
        await Task.WhenAll(
            database.ScriptEvaluateAsync(CountFailureScript, [AccountKey(email, address)], [window]),
            database.ScriptEvaluateAsync(CountFailureScript, [AddressKey(address)], [window]));
    }

    /// <summary>A success clears the account's count at that address; the address count stays, so one valid account cannot launder guesses at others.</summary>
    public Task ResetAsync(string email, string address) => redis.GetDatabase().KeyDeleteAsync(AccountKey(email, address));

    private static RedisKey AccountKey(string email, string address) =>
        $"gateway:signin-failures:account:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{email}\n{address}")))}";

    private static RedisKey AddressKey(string address) => $"gateway:signin-failures:address:{address}";
}
