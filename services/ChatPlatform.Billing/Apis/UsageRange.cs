using System.Globalization;

namespace ChatPlatform.Billing.Apis;

/// <summary>
/// A range of whole UTC days, both ends included, as the usage APIs take it (<c>from=2026-12-01&amp;to=2026-12-06</c>).
/// Without <c>to</c>, today; without <c>from</c>, the 30 days that end on <c>to</c>. At most <see cref="MaxDays"/> days.
/// </summary>
public sealed record UsageRange(DateOnly From, DateOnly To)
{
    public const int MaxDays = 366;
    public const int DefaultDays = 30;

    public DateTimeOffset Start => new(From.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>The first instant after the range.</summary>
    public DateTimeOffset End => new(To.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public static UsageRange? TryParse(string? from, string? to, TimeProvider time, Dictionary<string, string[]> errors)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        DateOnly? end = to is null ? today : ParseDay(to, "to", errors);
        DateOnly? start = from is null ? end?.AddDays(1 - DefaultDays) : ParseDay(from, "from", errors);
        if (start is not { } first || end is not { } last)
        {
            return null;
        }
        if (first > last)
        {
            errors["from"] = ["from must not be after to."];
            return null;
        }
        if (last.DayNumber - first.DayNumber + 1 > MaxDays)
        {
            errors["to"] = [$"A range covers at most {MaxDays} days."];
            return null;
        }
        return new UsageRange(first, last);
    }

    private static DateOnly? ParseDay(string value, string name, Dictionary<string, string[]> errors)
    {
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            && day.Year is >= 2000 and <= 9998)
        {
            return day;
        }
        errors[name] = [$"{name} must be a day as yyyy-MM-dd."];
        return null;
    }
}
