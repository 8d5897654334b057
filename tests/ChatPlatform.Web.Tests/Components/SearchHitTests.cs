using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Tests.Components;

/// <summary>How a search result's snippet is cut for marking, and where a result leads.</summary>
public sealed class SearchHitTests
{
    [Fact]
    public void A_snippet_is_cut_at_its_matches_and_bad_ranges_are_dropped()
    {
        var hit = Hit("<b>penguins</b> and penguin", new(3, 8), new(20, 7), new(4, 2), new(25, 50), new(0, 0));

        Assert.Equal(new[] { ("<b>", false), ("penguins", true), ("</b> and ", false), ("penguin", true) }, hit.Pieces());
        Assert.Equal(new[] { ("no match here", false) }, Hit("no match here").Pieces());
    }

    [Fact]
    public void A_message_result_opens_its_conversation_at_the_message_and_a_title_result_at_the_conversation()
    {
        var message = Hit("x") with { MessageId = Guid.Parse("0193a1b2-0000-7000-8000-000000000002") };
        var title = Hit("x");

        Assert.Equal("c/0193a1b2-0000-7000-8000-000000000001?m=0193a1b2-0000-7000-8000-000000000002", SearchDialog.Link(message));
        Assert.Equal("c/0193a1b2-0000-7000-8000-000000000001", SearchDialog.Link(title));
    }

    private static SearchHit Hit(string snippet, params SearchMatch[] matches) =>
        new(Guid.Parse("0193a1b2-0000-7000-8000-000000000001"), null, "Title", snippet, matches, "title", DateTimeOffset.UnixEpoch);
}
