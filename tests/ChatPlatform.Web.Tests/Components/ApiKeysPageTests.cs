using System.Collections.Concurrent;
using Bunit;
using ChatPlatform.Web.Components.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>The API keys page against a fake gateway: the list, a key shown once with its copy button, revoking.</summary>
public sealed class ApiKeysPageTests : FakeGatewayContext
{
    private static readonly Guid Old = Guid.NewGuid();
    private static readonly Guid New = Guid.NewGuid();
    private const string Secret = "cp_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
    private readonly ConcurrentQueue<string> _calls = new();

    protected override void MapGateway(IEndpointRouteBuilder gateway)
    {
        gateway.MapGet("/v1/api-keys", () => Results.Text($$"""
            [{"id":"{{Old}}","name":"ci","prefix":"cp_AbCdEfGh","createdAt":"2026-12-01T10:00:00Z","lastUsedAt":"2026-12-06T18:30:00Z"},
             {"id":"{{Guid.NewGuid()}}","name":"unused","prefix":"cp_ZyXwVuTs","createdAt":"2026-12-02T10:00:00Z","lastUsedAt":null}]
            """, "application/json"));
        gateway.MapPost("/v1/api-keys", () =>
        {
            _calls.Enqueue("create");
            return Results.Text($$"""{"id":"{{New}}","name":"laptop","prefix":"cp_01234567","key":"{{Secret}}","createdAt":"2026-12-06T19:00:00Z"}""",
                "application/json", statusCode: 201);
        });
        gateway.MapDelete("/v1/api-keys/{id:guid}", (Guid id) =>
        {
            _calls.Enqueue($"revoke {id}");
            return Results.NoContent();
        });
    }

    private IRenderedComponent<ApiKeys> RenderKeys()
    {
        var page = Render<ApiKeys>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("main.settings-page").GetAttribute("data-ready")), TimeSpan.FromSeconds(10));
        return page;
    }

    [Fact]
    public void Keys_are_listed_by_name_and_prefix_with_their_last_use()
    {
        var page = RenderKeys();

        var rows = page.FindAll("tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Equal("ci", rows[0].QuerySelector("td")!.TextContent);
        Assert.Equal("cp_AbCdEfGh…", rows[0].QuerySelector("code")!.TextContent);
        Assert.Equal("6 Dec 2026, 18:30 UTC", rows[0].QuerySelector(".last-used")!.TextContent);
        Assert.Equal("Never", rows[1].QuerySelector(".last-used")!.TextContent);
    }

    [Fact]
    public async Task A_new_key_is_shown_once_with_a_copy_button()
    {
        var page = RenderKeys();

        page.Find("form[data-form='create-key'] input").Change("laptop");
        await page.Find("form[data-form='create-key']").SubmitAsync();

        var shown = page.WaitForElement("section.new-key input", TimeSpan.FromSeconds(10));
        Assert.Equal(Secret, shown.GetAttribute("value"));
        Assert.Equal(3, page.FindAll("tbody tr").Count);
        await page.Find("section.new-key button").ClickAsync(new());
        var copy = Assert.Single(JSInterop.Invocations, i => i.Identifier == "navigator.clipboard.writeText");
        Assert.Equal(Secret, copy.Arguments[0]);
        Assert.Equal("Copied", page.Find("section.new-key button").TextContent);

        page.FindAll("section.new-key button")[1].Click();
        Assert.Empty(page.FindAll("section.new-key"));
        Assert.DoesNotContain(Secret, page.Markup);
    }

    [Fact]
    public async Task Revoking_asks_first_then_removes_the_key()
    {
        var page = RenderKeys();

        page.Find($"tr[data-key-id='{Old}'] button").Click();
        Assert.Empty(_calls);
        await page.Find($"tr[data-key-id='{Old}'] button.danger").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Empty(page.FindAll($"tr[data-key-id='{Old}']")), TimeSpan.FromSeconds(10));
        Assert.Equal($"revoke {Old}", Assert.Single(_calls));
    }
}
