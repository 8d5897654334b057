namespace ChatPlatform.Gateway.Services;

/// <summary>One tier's limits: every authenticated call counts against requests, turn-starting calls against turns too.</summary>
public sealed record TierLimits(int RequestsPerMinute, int TurnsPerMinute);

/// <summary>
/// <c>RateLimits:Tiers:{tier}:RequestsPerMinute</c> and <c>...:TurnsPerMinute</c>, resolved once at start-up.
/// <c>RateLimits:WindowSeconds</c> (default 60) scales the window: the limits are per window.
/// A tier without a section, or an unknown tier, gets the free tier's limits.
/// </summary>
public sealed class RateLimitSettings
{
    public const string Section = "RateLimits";
    public const string FreeTier = "free";

    private static readonly Dictionary<string, TierLimits> Defaults = new(StringComparer.OrdinalIgnoreCase)
    {
        [FreeTier] = new TierLimits(120, 20),
        ["pro"] = new TierLimits(600, 120),
    };

    public required TimeSpan Window { get; init; }

    public required IReadOnlyDictionary<string, TierLimits> Tiers { get; init; }

    public TierLimits For(string? tier) =>
        tier is not null && Tiers.TryGetValue(tier, out var limits) ? limits : Tiers[FreeTier];

    public static RateLimitSettings Load(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var tiers = new Dictionary<string, TierLimits>(Defaults, StringComparer.OrdinalIgnoreCase);
        foreach (var tier in section.GetSection("Tiers").GetChildren())
        {
            var fallback = tiers.GetValueOrDefault(tier.Key) ?? Defaults[FreeTier];
            tiers[tier.Key] = new TierLimits(
                Positive(tier, "RequestsPerMinute", fallback.RequestsPerMinute),
                Positive(tier, "TurnsPerMinute", fallback.TurnsPerMinute));
        }
        return new RateLimitSettings
        {
            Window = TimeSpan.FromSeconds(Positive(section, "WindowSeconds", 60)),
            Tiers = tiers,
        };
    }

    private static int Positive(IConfigurationSection section, string name, int fallback)
    {
        var value = section[name];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }
        return int.TryParse(value, out var parsed) && parsed > 0
            ? parsed
            : throw new InvalidOperationException($"{section.Path}:{name} must be a positive whole number.");
    }
}
