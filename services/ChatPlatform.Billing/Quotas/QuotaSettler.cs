using ChatPlatform.Billing.Model;
using ChatPlatform.Quotas;
using ChatPlatform.Redis;

namespace ChatPlatform.Billing.Quotas;

/// <summary>
/// After the ledger commits an answer: frees its reservation and counts its real tokens and cost in Redis, once per
/// event. A window whose counters Redis no longer has is set from the ledger, which already holds this answer.
/// Redis unreachable: logged and skipped (the hold lapses; the counters are rebuilt from the ledger when found missing).
/// </summary>
public sealed partial class QuotaSettler(QuotaGate gate, QuotaLedger ledger, ILogger<QuotaSettler> logger)
{
    public async Task SettleAsync(Guid eventId, UsageRecorded usage, decimal costUsd, CancellationToken cancellationToken)
    {
        try
        {
            var missing = await gate.SettleAsync(
                usage.UserId, usage.ReservationId, eventId, usage.Model, usage.InputTokens + usage.OutputTokens, costUsd, usage.OccurredAt);
            foreach (var window in missing ?? [])
            {
                var (tokens, cost) = await ledger.UsedAsync(usage.UserId, window, cancellationToken);
                await gate.SetUsedAsync(window, tokens, cost, onlyIfMissing: false);
            }
        }
        catch (RedisUnavailableException e)
        {
            LogNotSettled(logger, eventId, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage {EventId} is in the ledger but not settled in the quota counters: {Reason}")]
    private static partial void LogNotSettled(ILogger logger, Guid eventId, string reason);
}
