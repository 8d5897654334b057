using System.ComponentModel.DataAnnotations;

namespace ChatPlatform.Billing.Pricing;

public sealed class PricingOptions
{
    public const string SectionName = "Pricing";

    /// <summary>
    /// How long the router's prices are reused. The catalog keeps no history, so an answer billing prices is priced
    /// at the catalog's price when its event is handled (seconds after it ended), not at a stored past price.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A model missing from the cached prices is looked up again, but not more often than this.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan MissRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);
}
