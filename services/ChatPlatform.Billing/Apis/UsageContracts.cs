namespace ChatPlatform.Billing.Apis;

/// <summary>Tokens and cost over some answers. <c>CostUsd</c> is exact (numeric), in US dollars.</summary>
public sealed record UsageTotals(long Answers, long InputTokens, long CachedInputTokens, long OutputTokens, decimal CostUsd)
{
    public static UsageTotals Zero { get; } = new(0, 0, 0, 0, 0m);
}

/// <summary>One group of a usage report: <c>Key</c> is the day (yyyy-MM-dd), the model id or the user id.</summary>
public sealed record UsageRow(string Key, long Answers, long InputTokens, long CachedInputTokens, long OutputTokens, decimal CostUsd);

/// <summary>
/// A usage report. <c>Rows</c> holds only groups with answers, ordered by key (by cost, highest first, for users);
/// <c>NextOffset</c> is set when more rows follow (only per-user reports are paged).
/// <c>Quotas</c> (the caller's own report only) lists the quotas that apply to the caller.
/// </summary>
public sealed record UsageReport(
    DateOnly From, DateOnly To, string GroupBy, UsageTotals Total, IReadOnlyList<UsageRow> Rows, int? NextOffset = null,
    IReadOnlyList<ChatPlatform.Billing.Quotas.QuotaStatus>? Quotas = null);

/// <summary>The admin overview's figures over a range: answers, tokens and cost.</summary>
public sealed record UsageSummary(DateOnly From, DateOnly To, long Answers, long InputTokens, long CachedInputTokens, long OutputTokens, decimal CostUsd);

public static class UsageGroups
{
    public const string Day = "day";
    public const string Model = "model";
    public const string User = "user";
}
