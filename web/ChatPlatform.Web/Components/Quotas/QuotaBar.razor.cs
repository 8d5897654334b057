using System.Globalization;
using ChatPlatform.Web.Model;
using ChatPlatform.Web.Services;
using Microsoft.AspNetCore.Components;

namespace ChatPlatform.Web.Components.Quotas;

public enum QuotaState
{
    Normal,
    Warning,
    Full,
}

/// <summary>
/// A quota's bar. Held amounts count: a request in progress has reserved its worst case, and a new one is refused
/// against used plus held, so the warning (80 %) and full (100 %) colours follow that sum.
/// </summary>
public sealed partial class QuotaBar
{
    private const decimal WarningShare = 0.8m;

    private readonly string _labelId = $"quota-{Guid.NewGuid():N}";

    [Parameter, EditorRequired] public UsageQuota Quota { get; set; } = default!;

    /// <summary>When "now" is, for "resets in 5 h".</summary>
    [Parameter, EditorRequired] public DateTimeOffset Now { get; set; }

    /// <summary>The person's browser's offset from UTC; zero until it is known.</summary>
    [Parameter] public TimeSpan UtcOffset { get; set; }

    private decimal Taken => Quota.Used + Quota.Held;

    /// <summary>A limit of 0 allows nothing: the bar is full from the start.</summary>
    private decimal Share => Quota.Limit <= 0 ? 1m : Taken / Quota.Limit;

    internal QuotaState State => Share switch
    {
        >= 1m => QuotaState.Full,
        >= WarningShare => QuotaState.Warning,
        _ => QuotaState.Normal,
    };

    private string StateClass => State switch
    {
        QuotaState.Full => "full",
        QuotaState.Warning => "warning",
        _ => "normal",
    };

    private decimal UsedShare => Quota.Limit <= 0 ? (Quota.Used > 0 ? 1m : 0m) : Math.Min(1m, Quota.Used / Quota.Limit);

    private decimal HeldShare => Quota.Limit <= 0 ? 0m : Math.Min(1m - UsedShare, Quota.Held / Quota.Limit);

    private string ValueText
    {
        get
        {
            var held = Quota.Held > 0 ? $", {QuotaText.Amount(Quota.Held, Quota.Unit)} held" : "";
            return $"{QuotaText.Amount(Quota.Used, Quota.Unit)} used{held} of {QuotaText.Amount(Quota.Limit, Quota.Unit)} ({Percent(Share)} %)";
        }
    }

    private static string Percent(decimal share) => Math.Round(share * 100m, 1).ToString("0.#", CultureInfo.InvariantCulture);

    private static string Invariant(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
