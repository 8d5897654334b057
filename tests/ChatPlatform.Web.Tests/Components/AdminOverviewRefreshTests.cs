using Bunit;
using ChatPlatform.Web.Components.Pages.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>
/// The admin overview reads its figures every few seconds, but not while its tab is hidden: each read counts against
/// the admin's request rate, and a few hidden tabs would use it all up.
/// </summary>
public sealed class AdminOverviewRefreshTests : FakeGatewayContext
{
    private int _reads;

    protected override void MapGateway(IEndpointRouteBuilder gateway)
    {
        gateway.MapGet("/v1/admin/metrics", () =>
        {
            var reads = Interlocked.Increment(ref _reads);
            return Results.Text($$$"""
                {"generatedAt":"2026-12-06T19:00:00Z","providers":[],"deployments":[],"costToday":null,"unavailable":[],
                 "throughput":{"windowMinutes":30,"answers":{{{reads}}},"turnsPerMinute":0,"errors":0,"errorRate":0,
                   "timeToFirstTokenP50Ms":null,"timeToFirstTokenP95Ms":null,"activeStreams":0}}
                """, "application/json");
        });
        gateway.MapGet("/v1/admin/chat/stats", () => Results.Text("""{"windowMinutes":30,"answers":0,"turnsPerMinute":0,"perMinute":[]}""", "application/json"));
    }

    [Fact]
    public void A_hidden_tab_reads_nothing_and_reads_at_once_when_shown_again()
    {
        var page = Render<Overview>();
        page.WaitForAssertion(() => Assert.Equal("1", page.Find("[data-metric='answers']").TextContent), TimeSpan.FromSeconds(10));
        Time.Advance(Overview.RefreshInterval);
        page.WaitForAssertion(() => Assert.Equal("2", page.Find("[data-metric='answers']").TextContent), TimeSpan.FromSeconds(10));

        page.InvokeAsync(() => page.Instance.OnVisibilityChanged(false));
        // The next refresh comes due while hidden: it waits for the tab instead of reading.
        Time.Advance(Overview.RefreshInterval);
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("main").GetAttribute("data-paused")), TimeSpan.FromSeconds(10));
        Assert.StartsWith("Paused while the tab is hidden", page.Find("header [role='status']").TextContent, StringComparison.Ordinal);
        for (var tick = 0; tick < 9; tick++)
        {
            Time.Advance(Overview.RefreshInterval);
        }
        Assert.Equal(2, Volatile.Read(ref _reads));

        // Shown again: read at once, without waiting for the next tick; then every interval again.
        page.InvokeAsync(() => page.Instance.OnVisibilityChanged(true));
        page.WaitForAssertion(() => Assert.Equal("3", page.Find("[data-metric='answers']").TextContent), TimeSpan.FromSeconds(10));
        page.WaitForAssertion(() => Assert.Equal("false", page.Find("main").GetAttribute("data-paused")), TimeSpan.FromSeconds(10));
        Time.Advance(Overview.RefreshInterval);
        page.WaitForAssertion(() => Assert.Equal("4", page.Find("[data-metric='answers']").TextContent), TimeSpan.FromSeconds(10));
        Assert.Equal(4, Volatile.Read(ref _reads));
    }
}
