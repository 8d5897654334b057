namespace ChatPlatform.Gateway.Services;

/// <summary>The RateLimit-* headers (IETF draft, seconds) on every limited answer, and Retry-After on refusals.</summary>
public static class RateLimitHeaders
{
    public static void Apply(IHeaderDictionary headers, RateLimitDecision decision)
    {
        var reset = Seconds(decision.Reset);
        headers["RateLimit-Limit"] = decision.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers["RateLimit-Remaining"] = decision.Remaining.ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers["RateLimit-Reset"] = reset.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!decision.Admitted)
        {
            headers.RetryAfter = Math.Max(1, reset).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public static long Seconds(TimeSpan span) => (long)Math.Ceiling(Math.Max(0, span.TotalSeconds));

    public static string Describe(RateLimitDecision decision) =>
        $"Too many {decision.Policy}: the limit is {decision.Limit} per window. Retry after {Math.Max(1, Seconds(decision.Reset))} seconds.";
}
