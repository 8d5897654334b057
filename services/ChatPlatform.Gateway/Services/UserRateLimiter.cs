using ChatPlatform.Gateway.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatPlatform.Gateway.Services;

/// <summary>The window that decided: the refusing one, or the fullest of those that admitted.</summary>
public sealed record RateLimitDecision(bool Admitted, string Policy, int Limit, long Remaining, TimeSpan Reset);

/// <summary>
/// Per-user limits by tier: every call counts against "requests", turn-starting calls against "turns" too, both in one
/// atomic step so a refused turn uses up nothing. When Redis is unreachable the call is let through (fail open) with a
/// warning: Redis holds only rebuildable state, and an outage of it must not take the API down.
/// </summary>
public sealed partial class UserRateLimiter(
    SlidingWindowStore store, IOptions<RateLimitOptions> options, TimeProvider time, ILogger<UserRateLimiter> logger)
{
    public const string Requests = "requests";
    public const string Turns = "turns";

    // How long one check may wait on Redis (a connection still being made queues the command), and how long after a
    // failure calls skip Redis altogether while it is disconnected, so an outage costs no latency per call.
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan SkipAfterFailure = TimeSpan.FromSeconds(5);

    private readonly RateLimitOptions _options = options.Value;

    private long _lastWarningTimestamp = long.MinValue;
    private long _skipUntilTimestamp = long.MinValue;

    /// <summary>Counts one call of <paramref name="userId"/>; null when Redis could not be asked (the call is let through).</summary>
    public async Task<RateLimitDecision?> AcquireAsync(Guid userId, string? tier, bool startsTurn)
    {
        var limits = _options.For(tier);
        List<(string Policy, int Limit)> policies = [(Requests, limits.RequestsPerMinute)];
        if (startsTurn)
        {
            policies.Add((Turns, limits.TurnsPerMinute));
        }
        if (!store.IsConnected && time.GetTimestamp() < Interlocked.Read(ref _skipUntilTimestamp))
        {
            WarnFailOpen(null);
            return null;
        }
        try
        {
            // The hash tag keeps a user's windows in one slot, so the script may touch both on a Redis cluster.
            var (admitted, windows) = await store.AcquireAsync(
                policies.Select(p => ($"gateway:ratelimit:{{{userId:N}}}:{p.Policy}", p.Limit)).ToList(), _options.Window)
                .WaitAsync(CheckTimeout, time);
            RateLimitDecision? deciding = null;
            for (var i = 0; i < policies.Count; i++)
            {
                var remaining = Math.Max(0, policies[i].Limit - windows[i].Used);
                var candidate = new RateLimitDecision(admitted, policies[i].Policy, policies[i].Limit, remaining, windows[i].UntilOldestExpires);
                var refusedHere = !admitted && windows[i].Used >= policies[i].Limit;
                if (deciding is null || refusedHere && deciding.Remaining > 0 || admitted && remaining < deciding.Remaining)
                {
                    deciding = candidate;
                }
            }
            return deciding;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Interlocked.Exchange(ref _skipUntilTimestamp, time.GetTimestamp() + (long)(SkipAfterFailure.TotalSeconds * time.TimestampFrequency));
            WarnFailOpen(e);
            return null;
        }
    }

    private void WarnFailOpen(Exception? exception)
    {
        // One warning per ten seconds is enough to see the outage without flooding the log with one per request.
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _lastWarningTimestamp);
        if (last != long.MinValue && time.GetElapsedTime(last, now) < TimeSpan.FromSeconds(10)
            || Interlocked.CompareExchange(ref _lastWarningTimestamp, now, last) != last)
        {
            return;
        }
        LogFailOpen(logger, exception);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is unreachable: rate limits are not enforced until it is back (failing open)")]
    private static partial void LogFailOpen(ILogger logger, Exception? exception);
}
