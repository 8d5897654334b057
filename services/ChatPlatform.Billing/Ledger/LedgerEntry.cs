using ChatPlatform.Billing.Model;

namespace ChatPlatform.Billing.Ledger;

/// <summary>An answer as the ledger records it: the event's figures and what it cost.</summary>
public sealed record LedgerEntry(Guid EventId, UsageRecorded Usage, string PricedBy, ModelPrice? Price, decimal CostUsd)
{
    public const string ByRouter = "router";
    public const string ByBilling = "billing";
    public const string Unpriced = "unpriced";
}
