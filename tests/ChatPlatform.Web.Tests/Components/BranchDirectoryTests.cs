using ChatPlatform.Web.Components.Chat;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Tests.Components;

public sealed class BranchDirectoryTests
{
    private static readonly Guid Conversation = Guid.NewGuid();

    private static Message Answer(Guid? parent, int index, IReadOnlyList<Guid>? siblingIds = null) =>
        new(Guid.NewGuid(), Conversation, parent, MessageRole.Assistant, "text", MessageStatus.Complete, "sim-fast", DateTimeOffset.UnixEpoch, index,
            SiblingIds: siblingIds);

    [Fact]
    public void A_sibling_seen_on_the_page_can_be_opened_and_one_never_seen_cannot()
    {
        var parent = Guid.NewGuid();
        var first = Answer(parent, 0);
        var third = Answer(parent, 2);
        var directory = new BranchDirectory();
        directory.Remember(first);
        directory.Remember(third);
        var shown = MessageState.From(third with { SiblingCount = 3 });

        Assert.Null(directory.SiblingOf(shown, -1));
        Assert.Null(directory.SiblingOf(shown, 1));
        Assert.Equal(first.Id, directory.SiblingOf(MessageState.From(first with { SiblingCount = 3 }), 0));
    }

    [Fact]
    public void Sibling_ids_from_the_api_open_every_branch_and_roots_are_siblings_too()
    {
        var ids = new[] { Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid() };
        var directory = new BranchDirectory();
        var root = Answer(null, 1, ids) with { Id = ids[1], SiblingCount = 3 };
        directory.Remember(root);
        var shown = MessageState.From(root);

        Assert.Equal(ids[0], directory.SiblingOf(shown, -1));
        Assert.Equal(ids[2], directory.SiblingOf(shown, 1));
        Assert.Null(directory.SiblingOf(shown, 2));
    }
}
