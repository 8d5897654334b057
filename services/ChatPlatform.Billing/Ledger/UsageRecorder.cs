using ChatPlatform.Billing.Accounts;
using ChatPlatform.Billing.Model;
using ChatPlatform.Billing.Pricing;
using ChatPlatform.Billing.Quotas;
using ChatPlatform.EventLog;

namespace ChatPlatform.Billing.Ledger;

/// <summary>
/// The ledger's consumer of <c>usage.recorded</c>: one entry per answer, idempotent by event id (the ledger's unique
/// <c>event_id</c>, in the statement that writes the entry and its aggregate), so a replay from the start of the log or
/// a redelivery after a crash counts nothing twice. An answer without the router's figures (deployment
/// <c>unknown</c>: stopped before them, or swept as interrupted) is priced here from the model's catalog price.
/// </summary>
public sealed partial class UsageRecorder(
    LedgerStore ledger, ModelPrices prices, QuotaSettler quotas, AccountDeletions accounts, ILogger<UsageRecorder> logger) : IEventHandler
{
    public const string ConsumerName = "billing-ledger";

    /// <summary>Partitions of the consumer: usage.recorded is keyed by user, so one user's entries have one writer.</summary>
    public const int Partitions = 2;

    /// <summary>
    /// Woken consumers wait a little so that one pass takes many events: at 500 answers a second, a pass per event
    /// would spend most of the database's work on offsets.
    /// </summary>
    public static void Configure(EventConsumerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.BatchSize = 500;
        options.WakeDelay = TimeSpan.FromMilliseconds(20);
    }

    public async Task HandleAsync(EventRecord e, CancellationToken cancellationToken)
    {
        // Here, not in a consumer of its own: keyed by the user like the answers, so it is ordered with them.
        if (e.Type == AccountDeletions.AccountDeletedEvent)
        {
            if (ReadAccountDeleted(e) is { } userId)
            {
                await accounts.AnonymiseAsync(userId, cancellationToken);
            }
            return;
        }
        if (e.Type != UsageRecorded.EventType)
        {
            return;
        }
        UsageRecorded? usage;
        try
        {
            usage = e.PayloadAs<UsageRecorded>();
        }
        catch (System.Text.Json.JsonException)
        {
            usage = null;
        }
        if (usage is not { IsValid: true })
        {
            // Retrying cannot fix a payload; holding the partition for it would stop everyone's ledger.
            LogInvalid(logger, e.Id, e.Position);
            return;
        }

        var entry = await PriceAsync(e.Id, usage, cancellationToken);
        if (!await ledger.RecordAsync(entry, cancellationToken))
        {
            LogDuplicate(logger, e.Id);
        }
        // After the commit, and on a duplicate too: a crash between the two would otherwise never settle it. Settling
        // is once per event id, so a redelivery counts nothing twice.
        await quotas.SettleAsync(e.Id, usage, entry.CostUsd, cancellationToken);
    }

    private static Guid? ReadAccountDeleted(EventRecord e)
    {
        try
        {
            return e.PayloadAs<AccountDeleted>() is { UserId: var id } && id != Guid.Empty ? id : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private async Task<LedgerEntry> PriceAsync(Guid eventId, UsageRecorded usage, CancellationToken cancellationToken)
    {
        if (!usage.NeedsPricing)
        {
            return new LedgerEntry(eventId, usage, LedgerEntry.ByRouter, null, usage.CostUsd);
        }
        return await prices.FindAsync(usage.Model, cancellationToken) is { } price
            ? new LedgerEntry(eventId, usage with { Estimated = true }, LedgerEntry.ByBilling, price,
                price.CostOf(usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens))
            : new LedgerEntry(eventId, usage with { Estimated = true }, LedgerEntry.Unpriced, null, 0m);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {EventId} at {Position} is not a valid usage.recorded payload: skipped")]
    private static partial void LogInvalid(ILogger logger, Guid eventId, long position);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Event {EventId} is already in the ledger")]
    private static partial void LogDuplicate(ILogger logger, Guid eventId);
}
