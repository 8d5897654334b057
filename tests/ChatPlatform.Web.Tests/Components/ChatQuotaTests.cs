using System.Collections.Concurrent;
using Bunit;
using ChatPlatform.Web.Components.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>
/// A turn the gateway refuses over a quota, in the chat page rendered with bUnit against a fake gateway: the refusal
/// stands where the answer would have been, the typed text stays in the composer; a plain rate limit keeps its banner.
/// </summary>
public sealed class ChatQuotaTests : FakeGatewayContext
{
    private static readonly Guid ConversationId = Guid.NewGuid();
    private static readonly Guid Question = Guid.NewGuid();
    private static readonly Guid Answer = Guid.NewGuid();
    private readonly ConcurrentQueue<string> _turns = new();
    private string _refusal = "";
    private int? _retryAfter;

    protected override void MapGateway(IEndpointRouteBuilder gateway)
    {
        gateway.MapGet("/v1/conversations", () => Results.Text("""{"items":[],"nextCursor":null}""", "application/json"));
        gateway.MapGet("/v1/models", () => Results.Text("""
            {"data":[{"id":"sim-fast","display_name":"Sim Fast","context_window":8000,"capabilities":{"vision":false,"tools":false},"simulated":true}]}
            """, "application/json"));
        gateway.MapPost("/v1/conversations", () => Results.Text($$"""
            {"id":"{{ConversationId}}","title":"Hello","model":"sim-fast","systemPrompt":null,"currentLeafId":null,
             "createdAt":"2026-12-06T19:00:00Z","updatedAt":"2026-12-06T19:00:00Z"}
            """, "application/json"));
        gateway.MapGet("/v1/conversations/{id:guid}", (Guid id) => Results.Text($$"""
            {"id":"{{id}}","title":"Hello","model":"sim-fast","systemPrompt":null,"currentLeafId":"{{Answer}}",
             "createdAt":"2026-12-06T18:00:00Z","updatedAt":"2026-12-06T18:00:00Z","messages":[
              {"id":"{{Question}}","conversationId":"{{id}}","parentId":null,"role":"user","content":"What is 2+2?","status":"complete",
               "model":null,"createdAt":"2026-12-06T18:00:00Z","siblingIndex":0,"siblingCount":1},
              {"id":"{{Answer}}","conversationId":"{{id}}","parentId":"{{Question}}","role":"assistant","content":"It is 4.","status":"complete",
               "model":"sim-fast","createdAt":"2026-12-06T18:00:01Z","siblingIndex":0,"siblingCount":1}]}
            """, "application/json"));
        gateway.MapPost("/v1/conversations/{id:guid}/messages/{messageId:guid}/regenerate", (Guid id, Guid messageId, HttpContext context) =>
        {
            _turns.Enqueue($"{id} regenerate {messageId}");
            return Results.Text(_refusal, "application/problem+json", statusCode: StatusCodes.Status429TooManyRequests);
        });
        gateway.MapPost("/v1/conversations/{id:guid}/turns", async (Guid id, HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            _turns.Enqueue($"{id} {await reader.ReadToEndAsync()}");
            if (_retryAfter is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            return Results.Text(_refusal, "application/problem+json", statusCode: StatusCodes.Status429TooManyRequests);
        });
    }

    private async Task<IRenderedComponent<Chat>> SendAsync(string text)
    {
        JSInterop.SetupModule("./js/chat.js").Setup<Chat.BrowserEnvironment>("init").SetResult(new Chat.BrowserEnvironment(-60, Narrow: false));
        var page = Render<Chat>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("div.app").GetAttribute("data-ready")), TimeSpan.FromSeconds(10));
        page.Find("#composer-input").Input(text);
        page.WaitForAssertion(() => Assert.False(page.Find(".composer-area button[aria-label='Send message']").HasAttribute("disabled")), TimeSpan.FromSeconds(10));
        await page.Find(".composer-area form").SubmitAsync();
        page.WaitForAssertion(() => Assert.Single(_turns), TimeSpan.FromSeconds(10));
        return page;
    }

    [Fact]
    public async Task A_turn_refused_over_quota_shows_the_detail_the_reset_and_a_usage_link_in_place_and_keeps_the_text()
    {
        _refusal = """
            {"type":"https://chatplatform.dev/problems/quota-exceeded","title":"Quota exceeded","status":429,
             "detail":"You have used your daily cost quota of $1.00. It resets at 00:00 UTC.","quota":"daily-cost","model":null,
             "resetsAt":"2026-12-07T00:00:00Z"}
            """;
        _retryAfter = 18000;

        var page = await SendAsync("Write me a long story");

        var notice = page.WaitForElement("section.quota-notice", TimeSpan.FromSeconds(10));
        Assert.Equal("alert", notice.GetAttribute("role"));
        Assert.Equal("daily-cost", notice.GetAttribute("data-quota"));
        Assert.Equal("Daily cost quota reached", notice.QuerySelector("h2")!.TextContent);
        Assert.Equal("You have used your daily cost quota of $1.00. It resets at 00:00 UTC.", notice.QuerySelector(".quota-notice-detail")!.TextContent);
        Assert.Equal("Resets in 5 h (7 Dec 2026, 01:00 your time).", notice.QuerySelector("time")!.TextContent.Trim());
        Assert.Equal("2026-12-07T00:00:00.0000000+00:00", notice.QuerySelector("time")!.GetAttribute("datetime"));
        Assert.Equal("usage", notice.QuerySelector("a")!.GetAttribute("href"));
        // It stands at the end of the log, where the answer would have been, and nothing pretends the message was sent.
        Assert.Equal("quota-notice", page.Find(".messages-inner").LastElementChild!.ClassName);
        Assert.Empty(page.FindAll("article.message"));
        Assert.Empty(page.FindAll(".banner-error"));
        Assert.Equal("Write me a long story", page.Find("#composer-input").GetAttribute("value"));
        Assert.StartsWith($"{ConversationId} ", Assert.Single(_turns));
    }

    [Fact]
    public async Task A_model_quota_without_a_reset_time_uses_retry_after()
    {
        _refusal = """
            {"type":"https://chatplatform.dev/problems/quota-exceeded","title":"Quota exceeded","status":429,
             "detail":"You have used your requests on gpt-big for now.","quota":"model-requests","model":"gpt-big"}
            """;
        _retryAfter = 600;

        var page = await SendAsync("Hello");

        var notice = page.WaitForElement("section.quota-notice", TimeSpan.FromSeconds(10));
        Assert.Equal("Requests on gpt-big quota reached", notice.QuerySelector("h2")!.TextContent);
        Assert.Equal("Resets in 10 min (6 Dec 2026, 20:10 your time).", notice.QuerySelector("time")!.TextContent.Trim());
    }

    [Fact]
    public async Task A_plain_rate_limit_keeps_its_banner_and_no_quota_notice()
    {
        _refusal = """{"title":"Too Many Requests","status":429,"detail":"Try again in 12 seconds."}""";
        _retryAfter = 12;

        var page = await SendAsync("Hello");

        var banner = page.WaitForElement(".messages-inner .banner-error", TimeSpan.FromSeconds(10));
        Assert.Equal("Try again in 12 seconds.", banner.QuerySelector("span")!.TextContent);
        Assert.Empty(page.FindAll("section.quota-notice"));
        Assert.Equal("Hello", page.Find("#composer-input").GetAttribute("value"));
    }

    [Fact]
    public async Task A_regenerate_refused_over_quota_keeps_the_previous_answer_on_show_with_the_notice_after_it()
    {
        _refusal = """
            {"type":"https://chatplatform.dev/problems/quota-exceeded","title":"Quota exceeded","status":429,
             "detail":"You have used your monthly tokens.","quota":"monthly-tokens","model":null,"resetsAt":"2027-01-01T00:00:00Z"}
            """;
        JSInterop.SetupModule("./js/chat.js").Setup<Chat.BrowserEnvironment>("init").SetResult(new Chat.BrowserEnvironment(0, Narrow: false));
        var page = Render<Chat>(p => p.Add(c => c.ConversationId, ConversationId));
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("article.message").Count), TimeSpan.FromSeconds(10));

        await page.Find("article.message.assistant button[aria-label='Regenerate answer']").ClickAsync();

        page.WaitForAssertion(() => Assert.Equal("quota-notice", page.Find(".messages-inner").LastElementChild!.ClassName), TimeSpan.FromSeconds(10));
        Assert.Equal($"{ConversationId} regenerate {Answer}", Assert.Single(_turns));
        page.WaitForAssertion(() => Assert.Equal(["What is 2+2?", "It is 4."], page.FindAll("article.message").Select(m => m.QuerySelector(".bubble, .markdown")!.TextContent.Trim())),
            TimeSpan.FromSeconds(10));
        Assert.Equal("Resets on 1 Jan at 00:00 (1 Jan 2027, 00:00 your time).", page.Find("section.quota-notice time").TextContent.Trim());
        Assert.Empty(page.FindAll(".banner-error"));
    }
}
