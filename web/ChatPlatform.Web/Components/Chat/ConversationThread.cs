using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Components.Chat;

/// <summary>
/// The messages on show (the path through the conversation's tree the page follows) and the branches seen so far, so
/// the <c>&lt; 2/3 &gt;</c> navigator knows which sibling to open. A long path is drawn from its last
/// <see cref="Window"/> messages (<see cref="FirstShown"/> on), earlier ones a window at a time on request: drawing
/// 500 messages' Markdown took a conversation 1.8 s to open (bench web), the last 50 a fraction of it.
/// </summary>
public sealed class ConversationThread
{
    public const int Window = 50;

    private readonly List<MessageState> _messages = [];
    private readonly BranchDirectory _branches = new();
    private int _firstShown;

    public IReadOnlyList<MessageState> Messages => _messages;

    public int Count => _messages.Count;

    /// <summary>The index of the first message drawn; those before it wait for <see cref="ShowEarlier"/>.</summary>
    public int FirstShown => Math.Min(_firstShown, _messages.Count);

    /// <summary>Draws up to <see cref="Window"/> more of the messages before those on show.</summary>
    public void ShowEarlier() => _firstShown = Math.Max(0, FirstShown - Window);

    public MessageState? Last => _messages.Count == 0 ? null : _messages[^1];

    public void Clear()
    {
        _messages.Clear();
        _firstShown = 0;
    }

    public void Add(MessageState message) => _messages.Add(message);

    public void Remove(MessageState message) => _messages.Remove(message);

    /// <summary>
    /// Shows <paramref name="path"/> in place of what was there, from its last <see cref="Window"/> messages, or from
    /// <paramref name="keep"/> when it is earlier (a search result opened at an old message).
    /// </summary>
    public void Show(IReadOnlyList<Message> path, Guid? keep = null)
    {
        _messages.Clear();
        foreach (var message in path)
        {
            Remember(message);
            _messages.Add(MessageState.From(message));
        }
        var kept = keep is { } id ? _messages.FindIndex(m => m.Id == id) : -1;
        _firstShown = Math.Max(0, _messages.Count - Window);
        if (kept >= 0 && kept < _firstShown)
        {
            _firstShown = kept;
        }
    }

    /// <summary>Hides <paramref name="message"/> and everything after it (an edit or a regenerate replaces them).</summary>
    public void TruncateFrom(MessageState message)
    {
        var index = _messages.IndexOf(message);
        if (index >= 0)
        {
            _messages.RemoveRange(index, _messages.Count - index);
            _firstShown = Math.Min(_firstShown, index);
        }
    }

    public void Remember(Message message) => _branches.Remember(message);

    public Guid? SiblingOf(MessageState message, int step) => _branches.SiblingOf(message, step);

    public bool CanOpenSibling(MessageState message, int step) => _branches.SiblingOf(message, step) is not null;
}
