using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Redis;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Gateway.Services;

/// <summary>The window that decided: the refusing one, or the fullest of those that admitted.</summary>
public sealed record RateLimitDecision(bool Admitted, string Policy, int Limit, long Remaining, TimeSpan Reset);

/// <summary>
/// Per-user limits by tier: every call counts against "requests", turn-starting calls against "turns" too, both in one
/// atomic step so a refused turn uses up nothing. The windows are shared by every instance in Redis; while Redis is
/// unreachable (its <see cref="RedisBreaker"/> says so at once) each instance counts on its own with the same limits.
/// </summary>
public sealed class UserRateLimiter(SlidingWindowStore store, LocalSlidingWindows local, IOptions<RateLimitOptions> options)
{
    public const string Requests = "requests";
    public const string Turns = "turns";

    private readonly RateLimitOptions _options = options.Value;

    /// <summary>Counts one call of <paramref name="userId"/> and says whether it is admitted.</summary>
    public async Task<RateLimitDecision> AcquireAsync(Guid userId, string? tier, bool startsTurn)
    {
        var limits = _options.For(tier);
        List<(string Policy, int Limit)> policies = [(Requests, limits.RequestsPerMinute)];
        if (startsTurn)
        {
            policies.Add((Turns, limits.TurnsPerMinute));
        }
        // The hash tag keeps a user's windows in one slot, so the script may touch both on a Redis cluster.
        var windows = policies.Select(p => ($"gateway:ratelimit:{{{userId:N}}}:{p.Policy}", p.Limit)).ToList();
        bool admitted;
        IReadOnlyList<WindowCount> counts;
        try
        {
            (admitted, counts) = await store.AcquireAsync(windows, _options.Window);
        }
        catch (RedisUnavailableException)
        {
            (admitted, counts) = local.Acquire(windows);
        }
        RateLimitDecision? deciding = null;
        for (var i = 0; i < policies.Count; i++)
        {
            var remaining = Math.Max(0, policies[i].Limit - counts[i].Used);
            var candidate = new RateLimitDecision(admitted, policies[i].Policy, policies[i].Limit, remaining, counts[i].UntilOldestExpires);
            var refusedHere = !admitted && counts[i].Used >= policies[i].Limit;
            if (deciding is null || refusedHere && deciding.Remaining > 0 || admitted && remaining < deciding.Remaining)
            {
                deciding = candidate;
            }
        }
        return deciding!;
    }
}
