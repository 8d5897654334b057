using System.Collections.Concurrent;
using Bunit;
using ChatPlatform.Web.Components.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>The sessions page against a fake gateway: this browser marked, signing out one or all the others.</summary>
public sealed class SessionsPageTests : FakeGatewayContext
{
    private static readonly Guid Here = Guid.NewGuid();
    private static readonly Guid Phone = Guid.NewGuid();
    private static readonly Guid Laptop = Guid.NewGuid();
    private readonly ConcurrentQueue<string> _calls = new();

    protected override void MapGateway(IEndpointRouteBuilder gateway)
    {
        gateway.MapGet("/v1/me/sessions", () => Results.Text($$"""
            [{"id":"{{Here}}","device":"Chrome on Linux","userAgent":"Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0","address":"198.51.100.4",
              "createdAt":"2026-12-06T18:00:00Z","lastSeenAt":"2026-12-06T18:45:00Z","current":true},
             {"id":"{{Phone}}","device":"Safari on iPhone","userAgent":"Mozilla/5.0 (iPhone)","address":"203.0.113.7",
              "createdAt":"2026-12-01T08:00:00Z","lastSeenAt":"2026-12-05T21:10:00Z","current":false},
             {"id":"{{Laptop}}","device":"Firefox on Windows","userAgent":null,"address":null,
              "createdAt":"2026-11-20T08:00:00Z","lastSeenAt":"2026-11-21T08:00:00Z","current":false}]
            """, "application/json"));
        gateway.MapDelete("/v1/me/sessions/{id:guid}", (Guid id) =>
        {
            _calls.Enqueue($"revoke {id}");
            return Results.NoContent();
        });
        gateway.MapPost("/v1/me/sessions/revoke-others", () =>
        {
            _calls.Enqueue("revoke-others");
            return Results.Text("""{"revoked":2}""", "application/json");
        });
    }

    private IRenderedComponent<Sessions> RenderSessions()
    {
        var page = Render<Sessions>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("main.settings-page").GetAttribute("data-ready")), TimeSpan.FromSeconds(10));
        return page;
    }

    [Fact]
    public void Sessions_show_device_address_and_times_and_this_browser_is_marked()
    {
        var page = RenderSessions();

        var items = page.FindAll("li.session");
        Assert.Equal(3, items.Count);
        Assert.Contains("current", items[0].ClassList);
        Assert.Equal("This browser", items[0].QuerySelector(".badge")!.TextContent);
        Assert.Single(page.FindAll(".badge"));
        Assert.Contains("203.0.113.7", items[1].TextContent);
        Assert.Equal("last seen 5 Dec 2026, 21:10 UTC", items[1].QuerySelector(".last-seen")!.TextContent);
        // This browser signs out through the web app's own sign-out (its cookie goes too).
        Assert.Equal("account/signout", items[0].QuerySelector("form")!.GetAttribute("action"));
    }

    [Fact]
    public async Task Signing_out_another_session_revokes_it_and_removes_it()
    {
        var page = RenderSessions();

        await page.Find("button[aria-label='Sign out Safari on iPhone']").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Equal("Signed out Safari on iPhone.", page.Find("[role='status']").TextContent), TimeSpan.FromSeconds(10));
        Assert.Equal($"revoke {Phone}", Assert.Single(_calls));
        Assert.Empty(page.FindAll($"li[data-session-id='{Phone}']"));
    }

    [Fact]
    public async Task Signing_out_all_others_keeps_only_this_browser()
    {
        var page = RenderSessions();

        await page.Find("button.danger").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Equal("Signed out 2 other sessions.", page.Find("[role='status']").TextContent), TimeSpan.FromSeconds(10));
        Assert.Equal("revoke-others", Assert.Single(_calls));
        Assert.Equal(Here.ToString(), Assert.Single(page.FindAll("li.session")).GetAttribute("data-session-id"));
        Assert.Empty(page.FindAll("button.danger"));
    }
}
