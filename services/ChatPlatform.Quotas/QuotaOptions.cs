using Microsoft.Extensions.Options;

namespace ChatPlatform.Quotas;

/// <summary>A limit per window: absent (null) means no limit.</summary>
public sealed class QuotaLimitOptions
{
    public long? Tokens { get; set; }

    public decimal? CostUsd { get; set; }
}

/// <summary>A model's own quotas for a tier, and its request rate (per user, per minute).</summary>
public sealed class ModelQuotaOptions
{
    public QuotaLimitOptions Daily { get; set; } = new();

    public QuotaLimitOptions Monthly { get; set; } = new();

    public int? RequestsPerMinute { get; set; }
}

/// <summary>One tier's quotas: per UTC day and month over every model, and per model.</summary>
public sealed class TierQuotaOptions
{
    public QuotaLimitOptions Daily { get; set; } = new();

    public QuotaLimitOptions Monthly { get; set; } = new();

    public Dictionary<string, ModelQuotaOptions> Models { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// <c>Quotas:Tiers:{tier}:Daily:Tokens|CostUsd</c>, <c>...:Monthly:...</c> and per model
/// <c>...:Models:{modelId}:Daily|Monthly:...</c> and <c>...:Models:{modelId}:RequestsPerMinute</c>; a limit left out is
/// no limit. A tier without a section, or an unknown tier, gets the free tier's quotas. Chat, the gateway and billing
/// bind the same section, so the check and what <c>GET /v1/usage</c> shows agree.
/// </summary>
public sealed class QuotaOptions
{
    public const string SectionName = "Quotas";
    public const string FreeTier = "free";

    /// <summary>
    /// Off: nothing is checked or held (the ledger still records every answer). For a deployment without quotas, and to
    /// measure what the check adds to a turn's start (bench <c>quota</c>).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long a reservation holds its worst case without being settled: a turn that crashed frees its hold after
    /// this, and a turn longer than this stops counting against the quota until it is settled.
    /// </summary>
    public TimeSpan HoldDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Built in, generous enough for any real conversation (and every test that does not set its own): the limits
    /// exist to stop runaway spend, and an operator tightens them per deployment or per user.
    /// </summary>
    public Dictionary<string, TierQuotaOptions> Tiers { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [FreeTier] = new TierQuotaOptions
        {
            Daily = new() { Tokens = 20_000_000, CostUsd = 50m },
            Monthly = new() { Tokens = 200_000_000, CostUsd = 500m },
        },
        ["pro"] = new TierQuotaOptions
        {
            Daily = new() { Tokens = 100_000_000, CostUsd = 500m },
            Monthly = new() { Tokens = 1_000_000_000, CostUsd = 5_000m },
        },
    };

    public TierQuotaOptions For(string? tier) =>
        tier is not null && Tiers.TryGetValue(tier, out var quotas) ? quotas : Tiers[FreeTier];
}

/// <summary>A limit below zero would refuse everyone of the tier by accident; zero is allowed (no use at all).</summary>
internal sealed class QuotaOptionsValidator : IValidateOptions<QuotaOptions>
{
    public ValidateOptionsResult Validate(string? name, QuotaOptions options)
    {
        List<string> failures = [];
        if (options.HoldDuration <= TimeSpan.Zero)
        {
            failures.Add($"{QuotaOptions.SectionName}:HoldDuration must be positive.");
        }
        foreach (var (tier, quotas) in options.Tiers)
        {
            Check(failures, $"Tiers:{tier}:Daily", quotas.Daily);
            Check(failures, $"Tiers:{tier}:Monthly", quotas.Monthly);
            foreach (var (model, m) in quotas.Models)
            {
                Check(failures, $"Tiers:{tier}:Models:{model}:Daily", m.Daily);
                Check(failures, $"Tiers:{tier}:Models:{model}:Monthly", m.Monthly);
                if (m.RequestsPerMinute is <= 0)
                {
                    failures.Add($"{QuotaOptions.SectionName}:Tiers:{tier}:Models:{model}:RequestsPerMinute must be positive.");
                }
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(List<string> failures, string name, QuotaLimitOptions limit)
    {
        if (limit.Tokens is < 0 || limit.CostUsd is < 0)
        {
            failures.Add($"{QuotaOptions.SectionName}:{name} limits must not be negative.");
        }
    }
}
