using Bunit;
using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Model;
using ChatPlatform.Web.Services;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>A message's files and an answer's sources, rendered with bUnit.</summary>
public sealed class MessageViewFilesTests : BunitContext
{
    private static readonly Guid Report = Guid.NewGuid();
    private static readonly Guid Photo = Guid.NewGuid();

    public MessageViewFilesTests() => Services.AddSingleton<MarkdownRenderer>();

    private static Message MessageOf(MessageRole role, string content, IReadOnlyList<MessageAttachment>? attachments = null, IReadOnlyList<Citation>? citations = null) =>
        new(Guid.NewGuid(), Guid.NewGuid(), null, role, content, MessageStatus.Complete, "sim-fast", DateTimeOffset.UnixEpoch, 0, 1,
            Attachments: attachments, Citations: citations);

    [Fact]
    public void A_user_message_shows_the_files_it_attached_by_name_and_kind()
    {
        var message = MessageState.From(MessageOf(MessageRole.User, "Compare these",
            [new(Report, "Quarterly report.pdf", "application/pdf", FileKind.Document), new(Photo, "photo.png", "image/png", FileKind.Image)]));

        var view = Render<MessageView>(p => p.Add(v => v.Message, message));

        var files = view.FindAll("ul[aria-label='Attached files'] li.message-file");
        Assert.Equal(["Document: Quarterly report.pdf", "Image: photo.png"], files.Select(f => string.Join(" ", f.TextContent.Split(default(char[]), StringSplitOptions.RemoveEmptyEntries))));
        Assert.Equal("Quarterly report.pdf", files[0].GetAttribute("title"));
    }

    [Fact]
    public void An_answer_links_its_markers_and_lists_its_sources_under_it()
    {
        var message = MessageState.From(MessageOf(MessageRole.Assistant, "Revenue grew [1]; the photo shows a cat [2].", citations:
            [new(2, Photo, "photo.png", null), new(1, Report, "Quarterly report.pdf", 7)]));

        var view = Render<MessageView>(p => p.Add(v => v.Message, message));

        var markers = view.FindAll(".markdown a.citation");
        Assert.Equal([$"files/{Report}?page=7", $"files/{Photo}"], markers.Select(a => a.GetAttribute("href")));
        var sources = view.FindAll("section[aria-label='Sources'] li");
        Assert.Equal(["Quarterly report.pdf, page 7", "photo.png"], sources.Select(s => s.TextContent));
        Assert.Equal(["1", "2"], sources.Select(s => s.GetAttribute("value")));
        Assert.Equal($"files/{Report}?page=7", sources[0].QuerySelector("a")!.GetAttribute("href"));
    }

    [Fact]
    public void A_turns_notice_is_shown_above_its_answer()
    {
        var answer = MessageState.From(MessageOf(MessageRole.Assistant, "It says hello."));
        answer.Notices = ["photo.png was sent as its text: Sim Fast cannot see images."];

        var view = Render<MessageView>(p => p.Add(v => v.Message, answer));

        Assert.Equal("photo.png was sent as its text: Sim Fast cannot see images.", view.Find("p.turn-notice[role='status']").TextContent);
    }

    [Fact]
    public void An_answer_without_citations_has_no_sources()
    {
        var view = Render<MessageView>(p => p.Add(v => v.Message, MessageState.From(MessageOf(MessageRole.Assistant, "No files here [1]."))));

        Assert.Empty(view.FindAll("section[aria-label='Sources']"));
        Assert.Empty(view.FindAll("a.citation"));
    }
}
