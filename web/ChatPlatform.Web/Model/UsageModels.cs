namespace ChatPlatform.Web.Model;

/// <summary>
/// What billing answers for <c>GET /v1/usage</c> (docs/usage.md), days being UTC days. A usage report; <see cref="NextOffset"/> is where the next page starts when rows by user go on. <see cref="Quotas"/>
/// is the caller's own quotas (absent from the admin reports, and empty or absent when none apply).
/// </summary>
public sealed record UsageReport(
    DateOnly From, DateOnly To, string GroupBy, UsageTotals Total, IReadOnlyList<UsageRow> Rows, int? NextOffset = null,
    IReadOnlyList<UsageQuota>? Quotas = null);

public sealed record UsageTotals(long Answers, long InputTokens, long CachedInputTokens, long OutputTokens, decimal CostUsd);

/// <summary>A day (yyyy-MM-dd) or a model, with its answers, tokens and cost.</summary>
public sealed record UsageRow(string Key, long Answers, long InputTokens, long CachedInputTokens, long OutputTokens, decimal CostUsd);

/// <summary>
/// One of the caller's quotas as <c>GET /v1/usage</c> answers it (docs/usage.md): <see cref="Held"/> is what requests
/// still running have reserved, counted against the limit until they settle.
/// </summary>
public sealed record UsageQuota(
    string Name, string Window, string? Model, string Unit, decimal Limit, decimal Used, decimal Held, DateTimeOffset ResetsAt);
