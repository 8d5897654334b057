using System.Globalization;

namespace ChatPlatform.Quotas;

/// <summary>What <see cref="QuotaGate.ReserveAsync"/> answered.</summary>
public abstract record ReserveResult
{
    /// <summary>
    /// The request may start. <paramref name="ReservationId"/> is null when nothing was held: Redis could not be
    /// reached and the gate failed open (logged and counted), or no quota applies.
    /// </summary>
    public sealed record Reserved(string? ReservationId) : ReserveResult;

    public sealed record Refused(QuotaRefusal Quota) : ReserveResult;
}

/// <summary>The quota a request would exceed: its name (<c>daily-cost</c>, <c>model-requests</c>...), and when it resets.</summary>
public sealed record QuotaRefusal(string Quota, string? Model, string Unit, decimal Limit, decimal Used, DateTimeOffset ResetsAt)
{
    public const string RequestsQuota = "model-requests";

    public TimeSpan RetryAfter(DateTimeOffset now) => ResetsAt > now ? ResetsAt - now : TimeSpan.Zero;

    /// <summary>Whole seconds, at least 1: what <c>Retry-After</c> says.</summary>
    public long RetryAfterSeconds(DateTimeOffset now) => Math.Max(1, (long)Math.Ceiling(RetryAfter(now).TotalSeconds));

    public string Detail(DateTimeOffset now)
    {
        if (Quota == RequestsQuota)
        {
            return $"You have sent {Limit.ToString("0", CultureInfo.InvariantCulture)} requests to the model '{Model}' in the last minute, "
                + $"your limit. Try again in {RetryAfterSeconds(now)} s.";
        }
        var what = Quota.Contains("daily", StringComparison.Ordinal) ? "daily" : "monthly";
        var unit = Unit == QuotaUnits.Usd ? "cost" : "token";
        var amount = Unit == QuotaUnits.Usd
            ? "$" + Limit.ToString("0.00", CultureInfo.InvariantCulture)
            : Limit.ToString("#,0", CultureInfo.InvariantCulture) + " tokens";
        var model = Model is null ? "" : $" for the model '{Model}'";
        var resets = what == "daily"
            ? $"It resets at {ResetsAt:HH:mm} UTC."
            : $"It resets on {ResetsAt:yyyy-MM-dd} at {ResetsAt:HH:mm} UTC.";
        return Used >= Limit
            ? $"You have used your {what} {unit} quota{model} of {amount}. {resets}"
            : $"This request could use more than what is left of your {what} {unit} quota{model} of {amount}. {resets}";
    }
}
