using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Redis;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// Reads of shared conversations counted per client address (<see cref="ClientAddress"/>: the connection's, or the web
/// app's viewer's when the web app vouches for it), in the same sliding windows as the per-user limits, so walking share
/// ids from one address stops after <see cref="RateLimitOptions.SharedReadsPerWindow"/> tries a window.
/// </summary>
public sealed class SharedReadLimiter(
    SlidingWindowStore store, LocalSlidingWindows local, IOptions<RateLimitOptions> options, IOptions<AuthOptions> auth)
{
    public const string Policy = "shared conversation reads";

    public async Task<RateLimitDecision> AcquireAsync(HttpContext context)
    {
        var limit = options.Value.SharedReadsPerWindow;
        var address = ClientAddress.Of(context, auth.Value);
        List<(string Key, int Limit)> windows = [($"gateway:ratelimit:shared:{{{address}}}", limit)];
        bool admitted;
        IReadOnlyList<WindowCount> counts;
        try
        {
            (admitted, counts) = await store.AcquireAsync(windows, options.Value.Window);
        }
        catch (RedisUnavailableException)
        {
            (admitted, counts) = local.Acquire(windows);
        }
        return new RateLimitDecision(admitted, Policy, limit, Math.Max(0, limit - counts[0].Used), counts[0].UntilOldestExpires);
    }
}
