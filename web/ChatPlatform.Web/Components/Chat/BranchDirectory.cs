using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Components.Chat;

/// <summary>
/// The ids of sibling messages seen on the page, by parent and sibling index, for the <c>&lt; 2/3 &gt;</c> navigator. The
/// conversations API gives each message's sibling count but not its siblings' ids, so a branch can be opened once the
/// page has seen it (on a path, or made here); a <c>siblingIds</c> list from the API fills in every one.
/// </summary>
public sealed class BranchDirectory
{
    private readonly Dictionary<Guid, SortedDictionary<int, Guid>> _byParent = [];

    public void Remember(Message message)
    {
        var byIndex = ChildrenOf(message.ParentId);
        byIndex[message.SiblingIndex] = message.Id;
        if (message.SiblingIds is { } ids)
        {
            for (var i = 0; i < ids.Count; i++)
            {
                byIndex[i] = ids[i];
            }
        }
    }

    /// <summary>The id of the sibling <paramref name="step"/> places from <paramref name="message"/>, when known.</summary>
    public Guid? SiblingOf(MessageState message, int step)
    {
        var target = message.SiblingIndex + step;
        return target >= 0 && target < message.SiblingCount
            && _byParent.TryGetValue(message.ParentId ?? Guid.Empty, out var byIndex) && byIndex.TryGetValue(target, out var id)
            ? id
            : null;
    }

    private SortedDictionary<int, Guid> ChildrenOf(Guid? parentId)
    {
        var key = parentId ?? Guid.Empty;
        if (!_byParent.TryGetValue(key, out var byIndex))
        {
            _byParent[key] = byIndex = [];
        }
        return byIndex;
    }
}
