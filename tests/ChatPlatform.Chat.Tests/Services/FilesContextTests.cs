using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;

namespace ChatPlatform.Chat.Tests.Services;

/// <summary>How a turn's files shape what the model is sent, and how an answer's markers become citations.</summary>
public sealed class FilesContextTests
{
    private static readonly Guid Report = Guid.NewGuid();
    private static readonly Guid Photo = Guid.NewGuid();

    private static TurnFiles Files(Guid attachedBy, params ContextPassage[] passages) => new(
        new FileContext(
            [new(Report, "report.pdf", "application/pdf", "document", "ready"), new(Photo, "photo.png", "image/png", "image", "ready")],
            passages,
            [new(Photo, "photo.png", "image/png", "data:image/png;base64,AAAA", 3, 2, null)],
            []),
        new Dictionary<Guid, IReadOnlyList<Guid>> { [attachedBy] = [Report, Photo] },
        [],
        []);

    [Fact]
    public void Passages_follow_the_system_prompt_and_count_against_the_history_and_images_ride_on_the_message_that_attached_them()
    {
        // 4,000 tokens of window, 100 for the answer.
        var model = new RouterModel("m", 4_000, 100, Vision: true);
        var first = Guid.NewGuid();
        var path = new List<ContextMessage>
        {
            new(MessageRole.User, "Look at these", first),
            new(MessageRole.Assistant, "Seen."),
            new(MessageRole.User, "And now?", Guid.NewGuid()),
        };
        var passages = new ContextPassage[] { new(1, Report, "report.pdf", 7, "Revenue grew."), new(1, Report, "report.pdf", 7, "Costs fell."), new(2, Report, "report.pdf", null, "Appendix.") };

        var context = ContextBuilder.Build("Be kind.", path, model, Files(first, passages));

        Assert.Equal(["system", "system", "user", "assistant", "user"], context.Select(m => m.Role));
        Assert.EndsWith("\n\n[1] report.pdf, page 7:\nRevenue grew.\nCosts fell.\n\n[2] report.pdf:\nAppendix.", context[1].Content, StringComparison.Ordinal);
        Assert.Equal(["data:image/png;base64,AAAA"], context[2].Images);
        Assert.Null(context[4].Images);

        // The same history without room for the image's tokens beside the newest question: the older messages go.
        // (About 100 tokens of prompts and short messages, 1,000 for the image: 1,050 of history holds one or the other.)
        var small = new RouterModel("m", 1_150, 100, Vision: true);
        var trimmed = ContextBuilder.Build("Be kind.", path, small, Files(first, passages));
        Assert.Equal(["system", "system", "assistant", "user"], trimmed.Select(m => m.Role));
        Assert.All(trimmed, m => Assert.Null(m.Images));
        Assert.Equal((1_150 - 100) / 2, ContextBuilder.FilesBudget(small));
    }

    [Fact]
    public void An_answers_markers_become_citations_of_the_sources_it_was_sent_each_once_in_order()
    {
        var sources = CitationFinder.Sources(new FileContext([], [
            new(1, Report, "report.pdf", 7, "a"), new(1, Report, "report.pdf", 7, "b"), new(2, Photo, "photo.png", null, "c"),
        ], [], []));

        var cited = CitationFinder.Find("Costs fell [2]. Revenue grew [1, 2][1] but not [3], [x] or [12345].", sources);

        Assert.Equal([new Citation(2, Photo, "photo.png", null), new Citation(1, Report, "report.pdf", 7)], cited);
        Assert.Empty(CitationFinder.Find("Nothing cited.", sources));
        Assert.Empty(CitationFinder.Find("[1]", CitationFinder.Sources(null)));
    }
}
