using ChatPlatform.Quotas;

namespace ChatPlatform.Billing.Quotas;

/// <summary>One window's limits in the admin API: null is the tier's value.</summary>
public sealed record QuotaLimitBody(long? Tokens, decimal? CostUsd);

public sealed record QuotaOverridesBody(QuotaLimitBody? Daily, QuotaLimitBody? Monthly)
{
    public static QuotaOverridesBody From(QuotaOverrides o) =>
        new(new QuotaLimitBody(o.Daily.Tokens, o.Daily.CostUsd), new QuotaLimitBody(o.Monthly.Tokens, o.Monthly.CostUsd));

    public QuotaOverrides ToOverrides() => new(
        new QuotaLimit(Daily?.Tokens, Daily?.CostUsd), new QuotaLimit(Monthly?.Tokens, Monthly?.CostUsd));
}

/// <summary><c>GET|PUT /v1/admin/users/{id}/quotas</c>: <c>{"overrides": {"daily": {...}, "monthly": {...}}}</c>.</summary>
public sealed record UserQuotasBody(QuotaOverridesBody? Overrides);

/// <summary>One quota that applies to the caller, in <c>GET /v1/usage</c>'s <c>quotas</c>.</summary>
public sealed record QuotaStatus(string Name, string Window, string? Model, string Unit, decimal Limit, decimal Used, decimal Held, DateTime ResetsAt);
