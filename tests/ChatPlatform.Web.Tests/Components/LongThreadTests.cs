using System.Text;
using Bunit;
using ChatPlatform.Web.Components.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>The chat page on a 120-message conversation: the last 50 drawn, earlier ones a window at a time.</summary>
public sealed class LongThreadTests : FakeGatewayContext
{
    private const int Count = 120;
    private static readonly Guid ConversationId = Guid.NewGuid();

    protected override void MapGateway(IEndpointRouteBuilder gateway)
    {
        gateway.MapGet("/v1/conversations", () => Results.Text("""{"items":[],"nextCursor":null}""", "application/json"));
        gateway.MapGet("/v1/models", () => Results.Text("""
            {"data":[{"id":"sim-fast","display_name":"Sim Fast","context_window":8000,"capabilities":null,"simulated":true}]}
            """, "application/json"));
        gateway.MapGet("/v1/conversations/{id:guid}", (Guid id) =>
        {
            var messages = new StringBuilder();
            string parent = "null";
            for (var i = 0; i < Count; i++)
            {
                var messageId = Guid.NewGuid();
                messages.Append(i == 0 ? "" : ",").Append($$"""
                    {"id":"{{messageId}}","conversationId":"{{id}}","parentId":{{parent}},"role":"{{(i % 2 == 0 ? "user" : "assistant")}}",
                     "content":"message {{i}}","status":"complete","model":"sim-fast","createdAt":"2026-12-06T18:00:00Z","siblingIndex":0,"siblingCount":1}
                    """);
                parent = $"\"{messageId}\"";
            }
            return Results.Text($$"""
                {"id":"{{id}}","title":"Long","model":"sim-fast","systemPrompt":null,"currentLeafId":{{parent}},
                 "createdAt":"2026-12-06T18:00:00Z","updatedAt":"2026-12-06T18:00:00Z","messages":[{{messages}}]}
                """, "application/json");
        });
    }

    [Fact]
    public async Task A_long_conversation_draws_its_last_messages_and_earlier_ones_on_request()
    {
        JSInterop.SetupModule("./js/chat.js").Setup<Chat.BrowserEnvironment>("init").SetResult(new Chat.BrowserEnvironment(0, Narrow: false));
        var page = Render<Chat>(p => p.Add(c => c.ConversationId, ConversationId));
        page.WaitForAssertion(() => Assert.Equal(50, page.FindAll("article.message").Count), TimeSpan.FromSeconds(10));
        Assert.Contains("message 70", page.FindAll("article.message")[0].TextContent, StringComparison.Ordinal);

        await page.Find(".show-earlier button").ClickAsync();
        Assert.Equal(100, page.FindAll("article.message").Count);
        Assert.Equal("Show 20 earlier messages", page.Find(".show-earlier button").TextContent);
        await page.Find(".show-earlier button").ClickAsync();

        Assert.Equal(Count, page.FindAll("article.message").Count);
        Assert.Empty(page.FindAll(".show-earlier"));
    }
}
