using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Bunit;
using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Components.Pages.Admin;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>Thumbs up or down on an answer, and the admins' Feedback page, against a fake gateway.</summary>
public sealed class AnswerFeedbackTests : FakeGatewayContext
{
    private static readonly Guid Conversation = Guid.NewGuid();
    private static readonly Guid Rated = Guid.NewGuid();
    private static readonly Guid Unrated = Guid.NewGuid();
    private readonly ConcurrentQueue<string> _calls = new();


    protected override void MapGateway(IEndpointRouteBuilder gateway)
    {
        gateway.MapGet("/v1/conversations/{id:guid}/feedback", (Guid id) =>
        {
            _calls.Enqueue($"GET {id}");
            return Results.Text($$"""{"items":[{"messageId":"{{Rated}}","rating":"down","comment":"Wrong","updatedAt":"2026-12-06T18:00:00Z"}]}""", "application/json");
        });
        gateway.MapPut("/v1/conversations/{id:guid}/messages/{messageId:guid}/feedback", async (Guid id, Guid messageId, HttpContext context) =>
        {
            var body = (await JsonNode.ParseAsync(context.Request.Body))!;
            _calls.Enqueue($"PUT {messageId} {body["rating"]} {body["comment"]}");
            return Results.Text(new JsonObject
            {
                ["messageId"] = messageId, ["rating"] = (string)body["rating"]!, ["comment"] = (string?)body["comment"], ["updatedAt"] = "2026-12-06T19:00:00Z",
            }.ToJsonString(), "application/json");
        });
        gateway.MapDelete("/v1/conversations/{id:guid}/messages/{messageId:guid}/feedback", (Guid id, Guid messageId) =>
        {
            _calls.Enqueue($"DELETE {messageId}");
            return Results.NoContent();
        });
        gateway.MapGet("/v1/admin/chat/feedback", () => Results.Text($$"""
            {"items":[
              {"userId":"{{Guid.Empty}}","conversationId":"{{Conversation}}","messageId":"{{Rated}}","rating":"down","comment":"Wrong year","model":"sim-smart","answerExcerpt":"[simulated] The war ended in 1946.","updatedAt":"2026-12-06T18:30:00Z"},
              {"userId":"{{Guid.Empty}}","conversationId":"{{Conversation}}","messageId":"{{Unrated}}","rating":"up","comment":null,"model":"sim-fast","answerExcerpt":"[simulated] Hello.","updatedAt":"2026-12-06T18:00:00Z"}]}
            """, "application/json"));
    }

    private IRenderedComponent<AnswerFeedbackButtons> Buttons(Guid messageId) =>
        Render<AnswerFeedbackButtons>(p => p.Add(b => b.ConversationId, Conversation).Add(b => b.MessageId, messageId));

    private static string Pressed(IRenderedComponent<AnswerFeedbackButtons> view, string label) =>
        view.Find($"button[aria-label='{label}']").GetAttribute("aria-pressed") ?? "";

    [Fact]
    public void The_earlier_verdicts_of_the_conversation_are_read_once_and_shown()
    {
        var rated = Buttons(Rated);
        var unrated = Buttons(Unrated);

        rated.WaitForAssertion(() => Assert.Equal("true", Pressed(rated, "Bad answer")), TimeSpan.FromSeconds(10));
        unrated.WaitForAssertion(() => Assert.Equal("none", unrated.Find(".answer-feedback").GetAttribute("data-rating")), TimeSpan.FromSeconds(10));
        Assert.Equal("false", Pressed(rated, "Good answer"));
        Assert.Equal([$"GET {Conversation}"], _calls);
    }

    [Fact]
    public void A_thumb_sets_the_verdict_and_offers_a_comment_which_is_sent_with_it()
    {
        var view = Buttons(Unrated);
        view.WaitForAssertion(() => Assert.Single(_calls), TimeSpan.FromSeconds(10));

        view.Find("button[aria-label='Good answer']").Click();
        view.WaitForAssertion(() => Assert.Equal("true", Pressed(view, "Good answer")), TimeSpan.FromSeconds(10));
        view.Find("textarea").Input("Clear and short");
        view.Find("form.feedback-comment").Submit();
        view.WaitForAssertion(() => Assert.Empty(view.FindAll("form.feedback-comment")), TimeSpan.FromSeconds(10));

        Assert.Equal([$"GET {Conversation}", $"PUT {Unrated} up ", $"PUT {Unrated} up Clear and short"], _calls);
    }

    [Fact]
    public void Choosing_the_thumb_that_is_on_takes_the_verdict_back()
    {
        var view = Buttons(Rated);
        view.WaitForAssertion(() => Assert.Equal("true", Pressed(view, "Bad answer")), TimeSpan.FromSeconds(10));

        view.Find("button[aria-label='Bad answer']").Click();

        view.WaitForAssertion(() => Assert.Equal("false", Pressed(view, "Bad answer")), TimeSpan.FromSeconds(10));
        Assert.Equal($"DELETE {Rated}", _calls.Last());
    }

    [Fact]
    public void Only_answers_with_an_id_in_a_known_conversation_show_thumbs()
    {
        MessageState Of(MessageRole role) => MessageState.From(new Message(
            Guid.NewGuid(), Conversation, null, role, "Hi", MessageStatus.Complete, "sim-fast", DateTimeOffset.UnixEpoch, 0, 1));

        var answer = Render<MessageView>(p => p.Add(v => v.Message, Of(MessageRole.Assistant)).Add(v => v.ConversationId, Conversation));
        var question = Render<MessageView>(p => p.Add(v => v.Message, Of(MessageRole.User)).Add(v => v.ConversationId, Conversation));
        var unknown = Render<MessageView>(p => p.Add(v => v.Message, Of(MessageRole.Assistant)));

        Assert.Single(answer.FindAll(".answer-feedback"));
        Assert.Empty(question.FindAll(".answer-feedback"));
        Assert.Empty(unknown.FindAll(".answer-feedback"));
    }

    [Fact]
    public void The_admin_page_lists_recent_verdicts_with_the_answers_model()
    {
        var page = Render<Feedback>();

        page.WaitForAssertion(() => Assert.Equal("true", page.Find("main").GetAttribute("data-ready")), TimeSpan.FromSeconds(10));
        var rows = page.FindAll("tbody tr");
        Assert.Equal(["down", "up"], rows.Select(r => r.GetAttribute("data-rating")));
        Assert.Equal("sim-smart", rows[0].Children[2].TextContent);
        Assert.Equal("Wrong year", rows[0].Children[3].TextContent);
        Assert.Equal("1 up, 1 down in the last 2.", page.Find(".feedback-summary").TextContent);
    }
}
