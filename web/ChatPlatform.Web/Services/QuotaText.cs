using System.Globalization;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Services;

/// <summary>
/// The words for quotas, shared by the Usage page's bars and the chat's refusal: a quota's name, its amounts, and
/// when it resets, relative within a day and otherwise at the person's local time (their browser's UTC offset).
/// </summary>
public static class QuotaText
{
    /// <summary>"Daily cost", "Monthly tokens on gpt-x", "Requests on gpt-x" from the gateway's quota names.</summary>
    public static string TitleOf(string name, string? model)
    {
        var title = name switch
        {
            "daily-cost" or "model-daily-cost" => "Daily cost",
            "daily-tokens" or "model-daily-tokens" => "Daily tokens",
            "monthly-cost" or "model-monthly-cost" => "Monthly cost",
            "monthly-tokens" or "model-monthly-tokens" => "Monthly tokens",
            "model-requests" => "Requests",
            _ => name,
        };
        return model is { Length: > 0 } ? $"{title} on {model}" : title;
    }

    public static string TitleOf(UsageQuota quota) => TitleOf(quota.Name, quota.Model);

    /// <summary>Dollars to the cent (a fraction of a cent shown as such), tokens and requests as whole numbers.</summary>
    public static string Amount(decimal value, string unit) => unit switch
    {
        "usd" when value is > 0m and < 0.01m => "< $0.01",
        "usd" => value.ToString("$#,##0.00", CultureInfo.InvariantCulture),
        "tokens" => $"{value.ToString("#,##0", CultureInfo.InvariantCulture)} tokens",
        _ => value.ToString("#,##0", CultureInfo.InvariantCulture),
    };

    /// <summary>"resets in 5 h", "resets in 12 min", or "resets on 1 Jan at 00:00" at the person's local time.</summary>
    public static string ResetsText(DateTimeOffset resetsAt, DateTimeOffset now, TimeSpan utcOffset)
    {
        var left = resetsAt - now;
        if (left <= TimeSpan.Zero)
        {
            return "resets now";
        }
        if (left < TimeSpan.FromHours(1))
        {
            return $"resets in {Math.Max(1, (int)Math.Ceiling(left.TotalMinutes))} min";
        }
        if (left < TimeSpan.FromHours(24))
        {
            return $"resets in {(int)left.TotalHours} h";
        }
        return $"resets on {LocalTime(resetsAt, utcOffset, "d MMM 'at' HH:mm")}";
    }

    /// <summary>The reset's date and time at the person's local time, for a tooltip.</summary>
    public static string LocalTime(DateTimeOffset at, TimeSpan utcOffset, string format = "d MMM yyyy, HH:mm") =>
        at.ToOffset(utcOffset).ToString(format, CultureInfo.InvariantCulture);
}
