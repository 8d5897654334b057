using ChatPlatform.Quotas;
using ChatPlatform.Redis;

namespace ChatPlatform.Billing.Quotas;

/// <summary>
/// Puts back what Redis lost (a restart without persistence, a flush): at start, and whenever its marker key is gone
/// (checked every <see cref="CheckInterval"/>), every user's counters of this month and today from the ledger, and
/// every override from PostgreSQL. Counters Redis kept are left alone (they may count answers settled since the read).
/// </summary>
public sealed partial class QuotaRebuilder(
    QuotaGate gate, QuotaLedger ledger, QuotaOverrideStore overrides, RedisBreaker redis, TimeProvider time, ILogger<QuotaRebuilder> logger)
    : BackgroundService
{
    public const string MarkerKey = "quota:rebuilt";

    public static TimeSpan CheckInterval { get; } = TimeSpan.FromSeconds(30);

    private volatile bool _overridesPending;

    /// <summary>An override that could not be mirrored when set is mirrored at the next check.</summary>
    public void OverridesPending() => _overridesPending = true;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckInterval, time);
        do
        {
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (Exception e) when (e is RedisUnavailableException or Npgsql.NpgsqlException or TimeoutException)
            {
                LogFailed(logger, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        if (await redis.RunAsync(r => r.GetDatabase().KeyExistsAsync(MarkerKey)))
        {
            if (_overridesPending)
            {
                _overridesPending = false;
                await MirrorOverridesAsync(cancellationToken);
            }
            return;
        }
        await RebuildAsync(cancellationToken);
        await redis.RunAsync(r => r.GetDatabase().StringSetAsync(MarkerKey, time.GetUtcNow().ToString("O")));
    }

    public async Task RebuildAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var sums = new Dictionary<string, (QuotaWindow Window, long Tokens, decimal Cost)>(StringComparer.Ordinal);
        void Add(QuotaWindow w, long tokens, decimal cost)
        {
            sums[w.Key] = sums.TryGetValue(w.Key, out var s) ? (w, s.Tokens + tokens, s.Cost + cost) : (w, tokens, cost);
        }
        await foreach (var (userId, day, model, tokens, cost) in ledger.SinceAsync(new DateOnly(today.Year, today.Month, 1), cancellationToken))
        {
            var windows = QuotaWindow.For(userId, model, new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
            if (day == today)
            {
                Add(windows[0], tokens, cost);
                Add(windows[2], tokens, cost);
            }
            Add(windows[1], tokens, cost);
            Add(windows[3], tokens, cost);
        }
        foreach (var (window, tokens, cost) in sums.Values)
        {
            await gate.SetUsedAsync(window, tokens, cost, onlyIfMissing: true);
        }
        await MirrorOverridesAsync(cancellationToken);
        LogRebuilt(logger, sums.Count);
    }

    private async Task MirrorOverridesAsync(CancellationToken cancellationToken)
    {
        foreach (var (userId, o) in await overrides.ListAsync(cancellationToken))
        {
            await gate.SetOverridesAsync(userId, o);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Quota counters rebuilt from the ledger: {Windows} windows")]
    private static partial void LogRebuilt(ILogger logger, int windows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quota counters could not be checked or rebuilt: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
