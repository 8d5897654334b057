using Bunit;
using ChatPlatform.Web.Components.Quotas;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>A quota's meter: its figures, its accessible value, and its colour state at 80 % and 100 %.</summary>
public sealed class QuotaBarTests : BunitContext
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 19, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Midnight = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);

    private IRenderedComponent<QuotaBar> RenderBar(UsageQuota quota, TimeSpan? offset = null) =>
        Render<QuotaBar>(p => p.Add(b => b.Quota, quota).Add(b => b.Now, Now).Add(b => b.UtcOffset, offset ?? TimeSpan.Zero));

    private static UsageQuota DailyCost(decimal used, decimal held, decimal limit = 1m) =>
        new("daily-cost", "day", null, "usd", limit, used, held, Midnight);

    [Fact]
    public void A_quota_shows_used_and_held_apart_against_its_limit_with_a_labelled_meter()
    {
        var bar = RenderBar(DailyCost(used: 0.42m, held: 0.10m));

        Assert.Equal("normal", bar.Find(".quota").GetAttribute("data-state"));
        Assert.Equal("Daily cost", bar.Find(".quota-name").TextContent);
        Assert.Equal("$0.42 of $1.00", bar.Find(".quota-figures").TextContent);
        var meter = bar.Find("[role='meter']");
        Assert.Equal(bar.Find(".quota-name").Id, meter.GetAttribute("aria-labelledby"));
        Assert.Equal(("0", "1", "0.52"), (meter.GetAttribute("aria-valuemin"), meter.GetAttribute("aria-valuemax"), meter.GetAttribute("aria-valuenow")));
        Assert.Equal("$0.42 used, $0.10 held of $1.00 (52 %)", meter.GetAttribute("aria-valuetext"));
        Assert.Equal("width: 42%", bar.Find(".quota-used").GetAttribute("style"));
        Assert.Equal("width: 10%", bar.Find(".quota-held").GetAttribute("style"));
        Assert.Equal("$0.10 held by answers in progress", bar.Find(".quota-held-text").TextContent);
        var resets = bar.Find("time.quota-resets");
        Assert.Equal("resets in 5 h", resets.TextContent);
        Assert.Equal("7 Dec 2026, 00:00", resets.GetAttribute("title"));
    }

    [Fact]
    public void At_80_percent_with_what_is_held_the_bar_warns()
    {
        var bar = RenderBar(DailyCost(used: 0.70m, held: 0.10m));

        Assert.Equal("warning", bar.Find(".quota").GetAttribute("data-state"));
        Assert.Empty(bar.FindAll(".quota-full-text"));
    }

    [Fact]
    public void Just_under_80_percent_the_bar_does_not_warn() =>
        Assert.Equal("normal", RenderBar(DailyCost(used: 0.79m, held: 0m)).Find(".quota").GetAttribute("data-state"));

    [Fact]
    public void At_the_limit_the_bar_is_full_says_so_and_its_value_stays_within_the_meters_range()
    {
        var bar = RenderBar(new UsageQuota("model-monthly-tokens", "month", "gpt-big", "tokens", 1_000_000m, 1_200_000m, 5_000m, Midnight.AddDays(25)),
            offset: TimeSpan.FromHours(1));

        Assert.Equal("full", bar.Find(".quota").GetAttribute("data-state"));
        Assert.Equal("Monthly tokens on gpt-big", bar.Find(".quota-name").TextContent);
        Assert.Equal("Quota reached", bar.Find(".quota-full-text").TextContent);
        Assert.Equal("1000000", bar.Find("[role='meter']").GetAttribute("aria-valuenow"));
        Assert.Equal("width: 100%", bar.Find(".quota-used").GetAttribute("style"));
        Assert.Equal("width: 0%", bar.Find(".quota-held").GetAttribute("style"));
        Assert.Equal("resets on 1 Jan at 01:00", bar.Find("time.quota-resets").TextContent);
    }

    [Fact]
    public void A_limit_of_zero_is_full_from_the_start() =>
        Assert.Equal("full", RenderBar(DailyCost(used: 0m, held: 0m, limit: 0m)).Find(".quota").GetAttribute("data-state"));
}
