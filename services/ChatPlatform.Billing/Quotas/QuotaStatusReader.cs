using ChatPlatform.Quotas;
using ChatPlatform.Redis;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Billing.Quotas;

/// <summary>
/// The quotas that apply to a user now (their tier's, their overrides in its place) with what the ledger says they
/// used in each window and what open reservations hold (0 while Redis is unreachable).
/// </summary>
public sealed class QuotaStatusReader(
    IOptionsMonitor<QuotaOptions> options, QuotaOverrideStore overrides, QuotaLedger ledger, QuotaGate gate, TimeProvider time)
{
    public async Task<IReadOnlyList<QuotaStatus>> ForAsync(Guid userId, string? tier, CancellationToken cancellationToken)
    {
        var quotas = options.CurrentValue.For(tier);
        var own = await overrides.FindAsync(userId, cancellationToken);
        var now = time.GetUtcNow();
        var applying = new List<(QuotaWindow Window, string Unit, decimal Limit)>();
        void Add(QuotaWindow w, long? tokens, decimal? cost)
        {
            if (tokens is { } t)
            {
                applying.Add((w, QuotaUnits.Tokens, t));
            }
            if (cost is { } c)
            {
                applying.Add((w, QuotaUnits.Usd, c));
            }
        }
        var user = QuotaWindow.For(userId, "", now);
        Add(user[0], own.Daily.Tokens ?? quotas.Daily.Tokens, own.Daily.CostUsd ?? quotas.Daily.CostUsd);
        Add(user[1], own.Monthly.Tokens ?? quotas.Monthly.Tokens, own.Monthly.CostUsd ?? quotas.Monthly.CostUsd);
        foreach (var (model, m) in quotas.Models.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            var windows = QuotaWindow.For(userId, model, now);
            Add(windows[2], m.Daily.Tokens, m.Daily.CostUsd);
            Add(windows[3], m.Monthly.Tokens, m.Monthly.CostUsd);
        }

        var statuses = new List<QuotaStatus>();
        var figures = new Dictionary<string, ((long Tokens, decimal Cost) Used, (long Tokens, decimal Cost) Held)>(StringComparer.Ordinal);
        foreach (var (window, unit, limit) in applying)
        {
            if (!figures.TryGetValue(window.Key, out var f))
            {
                f = figures[window.Key] = (await ledger.UsedAsync(userId, window, cancellationToken), await HeldAsync(window));
            }
            var usd = unit == QuotaUnits.Usd;
            statuses.Add(new QuotaStatus(
                window.QuotaName(unit), window.Window, window.Model, unit, limit,
                usd ? f.Used.Cost : f.Used.Tokens, usd ? f.Held.Cost : f.Held.Tokens, window.ResetsAt.UtcDateTime));
        }
        return statuses;
    }

    private async Task<(long, decimal)> HeldAsync(QuotaWindow window)
    {
        try
        {
            return await gate.HeldAsync(window);
        }
        catch (RedisUnavailableException)
        {
            return (0, 0m);
        }
    }
}
