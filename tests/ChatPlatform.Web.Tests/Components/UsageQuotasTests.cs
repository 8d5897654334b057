using Bunit;
using ChatPlatform.Web.Components.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>The Usage page's quota section, from the quotas a fake gateway's <c>GET /v1/usage</c> answers.</summary>
public sealed class UsageQuotasTests : FakeGatewayContext
{
    private string? _quotas;

    protected override void MapGateway(IEndpointRouteBuilder gateway) =>
        gateway.MapGet("/v1/usage", (HttpContext context, string groupBy) =>
        {
            if (context.Request.Headers.Authorization != $"Bearer {AccessToken}")
            {
                return Results.Problem(statusCode: 401);
            }
            var quotas = _quotas is null ? "" : $",\"quotas\":{_quotas}";
            return Results.Text($$"""
                {"from":"2026-11-07","to":"2026-12-06","groupBy":"{{groupBy}}",
                 "total":{"answers":3,"inputTokens":300,"cachedInputTokens":0,"outputTokens":600,"costUsd":0.91},"rows":[]{{quotas}}}
                """, "application/json");
        });

    private IRenderedComponent<Usage> RenderUsage()
    {
        var module = JSInterop.SetupModule("./js/usage.js");
        module.Setup<int>("timezoneOffsetMinutes").SetResult(-60);
        var page = Render<Usage>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("main.usage-page").GetAttribute("data-ready")), TimeSpan.FromSeconds(10));
        return page;
    }

    [Fact]
    public void Each_quota_gets_a_bar_with_its_state_and_reset_at_the_browsers_local_time()
    {
        _quotas = """
            [{"name":"daily-cost","window":"day","model":null,"unit":"usd","limit":1.00,"used":0.91,"held":0.05,"resetsAt":"2026-12-07T00:00:00Z"},
             {"name":"monthly-tokens","window":"month","model":null,"unit":"tokens","limit":2000000,"used":900,"held":0,"resetsAt":"2027-01-01T00:00:00Z"},
             {"name":"model-daily-cost","window":"day","model":"gpt-big","unit":"usd","limit":0.50,"used":0.50,"held":0,"resetsAt":"2026-12-07T00:00:00Z"}]
            """;

        var page = RenderUsage();

        page.WaitForAssertion(() => Assert.Equal("resets on 1 Jan at 01:00", page.Find(".quota[data-quota='monthly-tokens'] time").TextContent));
        var section = page.Find("section.usage-quotas");
        Assert.Equal("Quotas", section.QuerySelector("h2")!.TextContent);
        var bars = page.FindAll(".quota");
        Assert.Equal(["daily-cost", "monthly-tokens", "model-daily-cost"], bars.Select(b => b.GetAttribute("data-quota")));
        Assert.Equal(["warning", "normal", "full"], bars.Select(b => b.GetAttribute("data-state")));
        Assert.Equal("gpt-big", bars[2].GetAttribute("data-model"));
        Assert.Equal("Daily cost on gpt-big", bars[2].QuerySelector(".quota-name")!.TextContent);
        Assert.Equal("900 tokens of 2,000,000 tokens", bars[1].QuerySelector(".quota-figures")!.TextContent);
        Assert.Equal("resets in 5 h", bars[0].QuerySelector("time")!.TextContent);
        Assert.Equal(3, page.FindAll("[role='meter']").Count);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("[]")]
    public void Without_quotas_there_is_no_quota_section(string? quotas)
    {
        _quotas = quotas;

        var page = RenderUsage();

        Assert.Equal("3", page.Find("[data-total='answers']").TextContent);
        Assert.Empty(page.FindAll("section.usage-quotas"));
    }
}
