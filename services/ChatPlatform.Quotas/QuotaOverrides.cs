namespace ChatPlatform.Quotas;

/// <summary>A limit of an override: null means the tier's.</summary>
public sealed record QuotaLimit(long? Tokens, decimal? CostUsd)
{
    public static QuotaLimit None { get; } = new(null, null);
}

/// <summary>A user's own daily and monthly limits, set by an admin, in place of the tier's.</summary>
public sealed record QuotaOverrides(QuotaLimit Daily, QuotaLimit Monthly)
{
    public static QuotaOverrides None { get; } = new(QuotaLimit.None, QuotaLimit.None);
}
