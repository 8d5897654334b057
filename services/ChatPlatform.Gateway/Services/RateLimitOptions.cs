using Microsoft.Extensions.Options;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// One tier's limits per window: every authenticated call counts against requests, turn-starting calls against turns
/// too. A limit a tier's section leaves out is the free tier's default.
/// </summary>
public sealed class TierLimitOptions
{
    public int RequestsPerMinute { get; set; } = 120;

    public int TurnsPerMinute { get; set; } = 20;
}

/// <summary>
/// <c>RateLimits:Tiers:{tier}:RequestsPerMinute</c> and <c>...:TurnsPerMinute</c>; <c>RateLimits:SharedReadsPerWindow</c>. <c>RateLimits:WindowSeconds</c>
/// (default 60) scales the window: the limits are per window. A tier without a section, or an unknown tier, gets the
/// free tier's limits.
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";
    public const string FreeTier = "free";

    public int WindowSeconds { get; set; } = 60;

    /// <summary>
    /// Reads of shared conversations (<c>GET /v1/shared/{id}</c>) per client address and window, signed in or not: enough
    /// for people opening links, far too few to walk share ids.
    /// </summary>
    public int SharedReadsPerWindow { get; set; } = 60;

    /// <summary>
    /// Starts with the built-in tiers; the binder sets a configured tier's limits on these instances, so a section that
    /// names one limit of "pro" keeps pro's default for the other.
    /// </summary>
    public Dictionary<string, TierLimitOptions> Tiers { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [FreeTier] = new TierLimitOptions(),
        ["pro"] = new TierLimitOptions { RequestsPerMinute = 600, TurnsPerMinute = 120 },
    };

    public TimeSpan Window => TimeSpan.FromSeconds(WindowSeconds);

    public TierLimitOptions For(string? tier) =>
        tier is not null && Tiers.TryGetValue(tier, out var limits) ? limits : Tiers[FreeTier];
}

/// <summary>Every window and limit must be positive: a zero limit would refuse everyone of the tier.</summary>
internal sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        List<string> failures = [];
        Positive(failures, "WindowSeconds", options.WindowSeconds);
        Positive(failures, "SharedReadsPerWindow", options.SharedReadsPerWindow);
        foreach (var (tier, limits) in options.Tiers)
        {
            Positive(failures, $"Tiers:{tier}:RequestsPerMinute", limits.RequestsPerMinute);
            Positive(failures, $"Tiers:{tier}:TurnsPerMinute", limits.TurnsPerMinute);
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, string name, int value)
    {
        if (value <= 0)
        {
            failures.Add($"{RateLimitOptions.SectionName}:{name} must be a positive whole number.");
        }
    }
}
