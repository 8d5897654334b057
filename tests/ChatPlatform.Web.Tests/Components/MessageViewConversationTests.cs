using Bunit;
using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Model;
using ChatPlatform.Web.Services;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>What an answer offers in a conversation, rendered with bUnit: its time, its Markdown, regenerate with another model, edit.</summary>
public sealed class MessageViewConversationTests : BunitContext
{
    private static readonly IReadOnlyList<ModelInfo> Models =
    [
        new("sim-fast", "Sim Fast", 8000, null, true),
        new("sim-smart", "Sim Smart", 32000, null, true),
        new("sim-stream", null, 8000, null, true),
    ];

    public MessageViewConversationTests()
    {
        Services.AddSingleton<MarkdownRenderer>();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private static MessageState MessageOf(MessageRole role, string content) => MessageState.From(new Message(
        Guid.NewGuid(), Guid.NewGuid(), null, role, content, MessageStatus.Complete, role == MessageRole.Assistant ? "sim-fast" : null,
        new DateTimeOffset(2026, 12, 6, 18, 5, 0, TimeSpan.Zero), 0, 1));

    [Fact]
    public void A_message_shows_its_time_in_the_readers_local_time_and_the_full_date_on_hover()
    {
        var view = Render<MessageView>(p => p.Add(v => v.Message, MessageOf(MessageRole.User, "Hello")).Add(v => v.UtcOffset, TimeSpan.FromHours(-5)));

        var time = view.Find("article.message time.message-time");
        Assert.Equal("13:05", time.GetAttribute("data-time"));
        // Drawn by the style sheet: the message's text stays its own.
        Assert.Equal("", time.TextContent);
        Assert.Equal("6 Dec 2026, 13:05", time.GetAttribute("title"));
        Assert.Equal("2026-12-06T18:05:00.0000000+00:00", time.GetAttribute("datetime"));
    }

    [Fact]
    public void Copying_an_answer_gives_its_Markdown_not_its_rendered_text()
    {
        string? copied = null;
        var answer = MessageOf(MessageRole.Assistant, "## Steps\n\n1. **Mix** the `flour`");
        var view = Render<MessageView>(p => p.Add(v => v.Message, answer).Add(v => v.OnCopy, text => copied = text));

        view.Find("button.copy-message").Click();

        Assert.Equal("## Steps\n\n1. **Mix** the `flour`", copied);
        Assert.Equal("Copy as Markdown", view.Find("button.copy-message").GetAttribute("title"));
    }

    [Fact]
    public void An_answers_menu_offers_the_other_models_and_regenerates_with_the_one_picked()
    {
        (MessageState Message, string Model)? picked = null;
        var answer = MessageOf(MessageRole.Assistant, "It is 4.");
        var view = Render<MessageView>(p => p.Add(v => v.Message, answer).Add(v => v.Models, Models)
            .Add(v => v.OnRegenerateWith, pick => picked = pick));

        var choices = view.FindAll("details.regenerate-with button.regenerate-with-model");
        Assert.Equal(["Sim Smart", "sim-stream"], choices.Select(c => c.TextContent));
        Assert.Equal("Regenerate with another model", view.Find("details.regenerate-with summary").GetAttribute("aria-label"));

        choices[0].Click();

        Assert.Same(answer, picked?.Message);
        Assert.Equal("sim-smart", picked?.Model);
    }

    [Fact]
    public void While_a_turn_streams_no_model_can_be_picked()
    {
        var view = Render<MessageView>(p => p.Add(v => v.Message, MessageOf(MessageRole.Assistant, "It is 4.")).Add(v => v.Models, Models)
            .Add(v => v.Busy, true));

        Assert.All(view.FindAll("button.regenerate-with-model"), b => Assert.True(b.HasAttribute("disabled")));
    }

    [Fact]
    public void A_user_message_has_no_regenerate_menu()
    {
        var view = Render<MessageView>(p => p.Add(v => v.Message, MessageOf(MessageRole.User, "Hi")).Add(v => v.Models, Models));

        Assert.Empty(view.FindAll("details.regenerate-with"));
    }

    [Fact]
    public void Editing_a_message_puts_the_focus_in_its_edit_box()
    {
        var view = Render<MessageView>(p => p.Add(v => v.Message, MessageOf(MessageRole.User, "Hi")));

        view.Find("button.edit-message").Click();

        var box = view.Find("textarea.edit-input");
        JSInterop.VerifyFocusAsyncInvoke().Arguments[0].ShouldBeElementReferenceTo(box);
    }

    private static MessageState CutAnswer() => MessageState.From(new Message(
        Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), MessageRole.Assistant, "Once upon a", MessageStatus.Complete, "sim-fast",
        DateTimeOffset.UnixEpoch, 0, 1, FinishReason: "length"));

    [Fact]
    public void The_last_answer_cut_at_its_length_limit_offers_to_continue()
    {
        MessageState? continued = null;
        var cut = CutAnswer();
        var view = Render<MessageView>(p => p.Add(v => v.Message, cut).Add(v => v.CanContinue, true).Add(v => v.OnContinue, m => continued = m));

        Assert.StartsWith("The answer stopped at its length limit.", view.Find("p.length-limit").TextContent.Trim());
        view.Find("button.continue-answer").Click();

        Assert.Same(cut, continued);
    }

    [Fact]
    public void An_answer_that_ended_by_itself_or_is_not_the_last_offers_no_continue()
    {
        var ended = Render<MessageView>(p => p.Add(v => v.Message, MessageOf(MessageRole.Assistant, "Done.")).Add(v => v.CanContinue, true));
        var earlier = Render<MessageView>(p => p.Add(v => v.Message, CutAnswer()).Add(v => v.CanContinue, false));

        Assert.Empty(ended.FindAll("button.continue-answer"));
        Assert.Empty(earlier.FindAll("button.continue-answer"));
    }
}
