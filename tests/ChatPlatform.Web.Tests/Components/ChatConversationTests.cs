using System.Collections.Concurrent;
using Bunit;
using ChatPlatform.Web.Components.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>
/// The chat page against a fake gateway, rendered with bUnit: a model switch said in the thread, regenerate with another
/// model (the conversation's model changes, then the answer is written again), and the starter prompts of a new chat.
/// </summary>
public sealed class ChatConversationTests : FakeGatewayContext
{
    private static readonly Guid ConversationId = Guid.NewGuid();
    private static readonly Guid Question1 = Guid.NewGuid();
    private static readonly Guid Answer1 = Guid.NewGuid();
    private static readonly Guid Question2 = Guid.NewGuid();
    private static readonly Guid Answer2 = Guid.NewGuid();
    private readonly ConcurrentQueue<string> _calls = new();
    private string _model = "sim-smart";

    protected override void MapGateway(IEndpointRouteBuilder gateway)
    {
        gateway.MapGet("/v1/conversations", () => Results.Text("""{"items":[],"nextCursor":null}""", "application/json"));
        gateway.MapGet("/v1/models", () => Results.Text("""
            {"data":[{"id":"sim-fast","display_name":"Sim Fast","context_window":8000,"capabilities":null,"simulated":true},
                     {"id":"sim-smart","display_name":"Sim Smart","context_window":8000,"capabilities":null,"simulated":true}]}
            """, "application/json"));
        gateway.MapGet("/v1/conversations/{id:guid}", (Guid id) => Results.Text($$"""
            {"id":"{{id}}","title":"Sums","model":"{{_model}}","systemPrompt":null,"currentLeafId":"{{Answer2}}",
             "createdAt":"2026-12-06T18:00:00Z","updatedAt":"2026-12-06T18:00:00Z","messages":[
              {"id":"{{Question1}}","conversationId":"{{id}}","parentId":null,"role":"user","content":"What is 2+2?","status":"complete",
               "model":null,"createdAt":"2026-12-06T18:00:00Z","siblingIndex":0,"siblingCount":1},
              {"id":"{{Answer1}}","conversationId":"{{id}}","parentId":"{{Question1}}","role":"assistant","content":"It is 4.","status":"complete",
               "model":"sim-fast","createdAt":"2026-12-06T18:00:01Z","siblingIndex":0,"siblingCount":1},
              {"id":"{{Question2}}","conversationId":"{{id}}","parentId":"{{Answer1}}","role":"user","content":"And 3+3?","status":"complete",
               "model":null,"createdAt":"2026-12-06T18:01:00Z","siblingIndex":0,"siblingCount":1},
              {"id":"{{Answer2}}","conversationId":"{{id}}","parentId":"{{Question2}}","role":"assistant","content":"It is 6.","status":"complete",
               "model":"sim-smart","createdAt":"2026-12-06T18:01:01Z","siblingIndex":0,"siblingCount":1,"finishReason":"length"}]}
            """, "application/json"));
        gateway.MapMethods("/v1/conversations/{id:guid}", ["PATCH"], async (Guid id, HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            _calls.Enqueue($"patch {await reader.ReadToEndAsync()}");
            _model = "sim-fast";
            return Results.Text($$"""
                {"id":"{{id}}","title":"Sums","model":"sim-fast","systemPrompt":null,"currentLeafId":"{{Answer2}}",
                 "createdAt":"2026-12-06T18:00:00Z","updatedAt":"2026-12-06T18:02:00Z"}
                """, "application/json");
        });
        gateway.MapPost("/v1/conversations/{id:guid}/messages/{messageId:guid}/continue", (Guid id, Guid messageId) =>
        {
            _calls.Enqueue($"continue {messageId}");
            return Results.Text("""{"title":"Too Many Requests","status":429,"detail":"Slow down."}""", "application/problem+json",
                statusCode: StatusCodes.Status429TooManyRequests);
        });
        gateway.MapPost("/v1/conversations/{id:guid}/messages/{messageId:guid}/regenerate", (Guid id, Guid messageId) =>
        {
            _calls.Enqueue($"regenerate {messageId} with {_model}");
            // Refused, so nothing streams: the order of the calls is what this test reads.
            return Results.Text("""{"title":"Too Many Requests","status":429,"detail":"Slow down."}""", "application/problem+json",
                statusCode: StatusCodes.Status429TooManyRequests);
        });
    }

    private IRenderedComponent<Chat> Open(Guid? conversationId)
    {
        JSInterop.SetupModule("./js/chat.js").Setup<Chat.BrowserEnvironment>("init").SetResult(new Chat.BrowserEnvironment(0, Narrow: false));
        var page = Render<Chat>(p => p.Add(c => c.ConversationId, conversationId));
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("div.app").GetAttribute("data-ready")), TimeSpan.FromSeconds(10));
        return page;
    }

    [Fact]
    public void An_answer_by_another_model_than_the_last_says_so_in_the_thread()
    {
        var page = Open(ConversationId);

        page.WaitForAssertion(() => Assert.Equal(4, page.FindAll("article.message").Count), TimeSpan.FromSeconds(10));
        var notice = Assert.Single(page.FindAll(".messages-inner p.model-switch"));
        Assert.Equal("Switched to Sim Smart", notice.TextContent);
        // It stands just before the answer the new model wrote.
        Assert.Equal(Answer2.ToString(), notice.NextElementSibling!.GetAttribute("data-message-id"));
    }

    [Fact]
    public async Task Regenerating_with_another_model_makes_it_the_conversations_then_writes_the_answer_again()
    {
        var page = Open(ConversationId);
        page.WaitForAssertion(() => Assert.Equal(4, page.FindAll("article.message").Count), TimeSpan.FromSeconds(10));

        var last = page.FindAll("article.message.assistant")[^1];
        Assert.Equal(["Sim Fast"], last.QuerySelectorAll("button.regenerate-with-model").Select(b => b.TextContent));
        await last.QuerySelector("button.regenerate-with-model")!.ClickAsync();

        page.WaitForAssertion(() => Assert.Equal(2, _calls.Count), TimeSpan.FromSeconds(10));
        Assert.Equal(["patch {\"model\":\"sim-fast\"}", $"regenerate {Answer2} with sim-fast"], _calls);
        page.WaitForAssertion(() => Assert.Equal("sim-fast", page.Find("select#model-select").GetAttribute("value")),
            TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Continue_on_the_last_answer_cut_at_its_length_limit_asks_chat_to_go_on_from_it()
    {
        var page = Open(ConversationId);
        page.WaitForAssertion(() => Assert.Equal(4, page.FindAll("article.message").Count), TimeSpan.FromSeconds(10));
        // Only the last answer offers it (the first one ended by itself).
        var offer = Assert.Single(page.FindAll("button.continue-answer"));
        Assert.Equal(Answer2.ToString(), offer.Closest("article")!.GetAttribute("data-message-id"));

        await offer.ClickAsync();

        page.WaitForAssertion(() => Assert.Equal([$"continue {Answer2}"], _calls), TimeSpan.FromSeconds(10));
        // Refused: the pending answer goes, the banner tells why and offers a retry.
        page.WaitForAssertion(() => Assert.Equal("Slow down.", page.Find(".messages-inner .banner-error span").TextContent), TimeSpan.FromSeconds(10));
        Assert.Equal(4, page.FindAll("article.message").Count);
    }

    [Fact]
    public void The_context_meter_says_how_much_of_the_models_window_the_conversation_fills()
    {
        var page = Open(ConversationId);
        page.WaitForAssertion(() => Assert.Equal(4, page.FindAll("article.message").Count), TimeSpan.FromSeconds(10));

        // 25 estimated tokens of the 4,000 an 8,000-token model reads (half is kept for the answer).
        var meter = page.Find(".composer-area .context-meter");
        Assert.Equal("1", meter.QuerySelector("meter")!.GetAttribute("value"));
        Assert.Equal("Context 1% used", meter.QuerySelector(".context-meter-text")!.TextContent);
        Assert.StartsWith("About 25 of the 4,000 tokens Sim Smart reads", meter.GetAttribute("title"));
        Assert.Contains("the oldest messages are dropped first", meter.GetAttribute("title"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_chat_offers_starter_prompts_and_one_picked_fills_the_composer()
    {
        var page = Open(null);

        Assert.Empty(page.FindAll(".context-meter"));
        var prompts = page.FindAll(".empty-state button.starter-prompt");
        Assert.Equal(4, prompts.Count);
        page.WaitForAssertion(() => Assert.False(page.Find(".empty-state button.starter-prompt").HasAttribute("disabled")), TimeSpan.FromSeconds(10));

        page.Find(".empty-state button.starter-prompt").Click();

        // The click's render can land after Click returns on a busy machine: wait for it.
        page.WaitForAssertion(() => Assert.Equal(StarterPromptText, page.Find("#composer-input").GetAttribute("value")), TimeSpan.FromSeconds(10));
        page.WaitForAssertion(() => Assert.False(page.Find(".composer-area button[aria-label='Send message']").HasAttribute("disabled")), TimeSpan.FromSeconds(10));
        Assert.Empty(_calls);
    }

    private static string StarterPromptText => ChatPlatform.Web.Components.Chat.StarterPrompts.Prompts[0];
}
