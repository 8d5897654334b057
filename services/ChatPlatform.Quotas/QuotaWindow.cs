using System.Globalization;

namespace ChatPlatform.Quotas;

/// <summary>
/// One window a request counts against: the user's UTC day or month, over every model or one. Keys share the user's
/// hash tag, so one script can touch all of a user's windows (and a cluster keeps them on one node).
/// </summary>
public sealed record QuotaWindow(string Scope, string Window, string? Model, string Key, DateTimeOffset ResetsAt)
{
    public const string Day = "day";
    public const string Month = "month";

    public string HoldsKey => Key + ":holds";

    /// <summary>The quota's name for a unit: <c>daily-cost</c>, <c>model-monthly-tokens</c>...</summary>
    public string QuotaName(string unit) => $"{Scope}-{(unit == QuotaUnits.Usd ? "cost" : "tokens")}";

    /// <summary>Kept a day past its end: the last answers of a window are settled after it closes.</summary>
    public TimeSpan TimeToLive(DateTimeOffset now) => ResetsAt - now + TimeSpan.FromDays(1);

    public static string UserPrefix(Guid userId) => $"quota:{{{userId:N}}}";

    /// <summary>The user's day and month, then the model's day and month (the order refusals are checked in).</summary>
    public static IReadOnlyList<QuotaWindow> For(Guid userId, string model, DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        var day = utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var month = utc.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var nextDay = new DateTimeOffset(utc.Date.AddDays(1), TimeSpan.Zero);
        var nextMonth = new DateTimeOffset(new DateTime(utc.Year, utc.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1));
        var prefix = UserPrefix(userId);
        return
        [
            new("daily", Day, null, $"{prefix}:day:{day}", nextDay),
            new("monthly", Month, null, $"{prefix}:month:{month}", nextMonth),
            new("model-daily", Day, model, $"{prefix}:day:{day}:model:{model}", nextDay),
            new("model-monthly", Month, model, $"{prefix}:month:{month}:model:{model}", nextMonth),
        ];
    }
}

public static class QuotaUnits
{
    public const string Tokens = "tokens";
    public const string Usd = "usd";
}
