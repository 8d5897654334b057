namespace ChatPlatform.Web.Model;

/// <summary>What billing answers for <c>GET /v1/usage</c> (docs/usage.md): days are UTC days.</summary>
/// <summary>A usage report; <see cref="NextOffset"/> is where the next page starts when rows by user go on.</summary>
public sealed record UsageReport(DateOnly From, DateOnly To, string GroupBy, UsageTotals Total, IReadOnlyList<UsageRow> Rows, int? NextOffset = null);

public sealed record UsageTotals(long Answers, long InputTokens, long CachedInputTokens, long OutputTokens, decimal CostUsd);

/// <summary>A day (yyyy-MM-dd) or a model, with its answers, tokens and cost.</summary>
public sealed record UsageRow(string Key, long Answers, long InputTokens, long CachedInputTokens, long OutputTokens, decimal CostUsd);
