using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Components.Chat;

/// <summary>
/// The messages on show (the path through the conversation's tree the page follows) and the branches seen so far, so
/// the <c>&lt; 2/3 &gt;</c> navigator knows which sibling to open.
/// </summary>
public sealed class ConversationThread
{
    private readonly List<MessageState> _messages = [];
    private readonly BranchDirectory _branches = new();

    public IReadOnlyList<MessageState> Messages => _messages;

    public int Count => _messages.Count;

    public MessageState? Last => _messages.Count == 0 ? null : _messages[^1];

    public void Clear() => _messages.Clear();

    public void Add(MessageState message) => _messages.Add(message);

    public void Remove(MessageState message) => _messages.Remove(message);

    /// <summary>Shows <paramref name="path"/> in place of what was there.</summary>
    public void Show(IReadOnlyList<Message> path)
    {
        _messages.Clear();
        foreach (var message in path)
        {
            Remember(message);
            _messages.Add(MessageState.From(message));
        }
    }

    /// <summary>Hides <paramref name="message"/> and everything after it (an edit or a regenerate replaces them).</summary>
    public void TruncateFrom(MessageState message)
    {
        var index = _messages.IndexOf(message);
        if (index >= 0)
        {
            _messages.RemoveRange(index, _messages.Count - index);
        }
    }

    public void Remember(Message message) => _branches.Remember(message);

    public Guid? SiblingOf(MessageState message, int step) => _branches.SiblingOf(message, step);

    public bool CanOpenSibling(MessageState message, int step) => _branches.SiblingOf(message, step) is not null;
}
