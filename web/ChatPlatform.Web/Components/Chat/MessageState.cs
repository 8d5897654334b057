using System.Text;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Components.Chat;

/// <summary>
/// One message on the page. While an answer streams, its text grows here and <see cref="Changed"/> tells only that
/// message's view to render again, never the whole page.
/// </summary>
public sealed class MessageState
{
    private readonly StringBuilder _streamed = new();
    private string? _content;

    private MessageState(MessageRole role, Guid? parentId)
    {
        Role = role;
        ParentId = parentId;
    }

    /// <summary>Stable across the moment the server gives the message its id, so the view is kept.</summary>
    public Guid Key { get; } = Guid.NewGuid();

    public Guid? Id { get; private set; }

    public Guid? ParentId { get; private set; }

    public MessageRole Role { get; }

    public MessageStatus Status { get; set; } = MessageStatus.Streaming;

    public int SiblingIndex { get; private set; }

    public int SiblingCount { get; private set; } = 1;

    public IReadOnlyList<Guid>? SiblingIds { get; private set; }

    /// <summary>The files a user message attached.</summary>
    public IReadOnlyList<MessageAttachment> Attachments { get; private set; } = [];

    /// <summary>The sources an answer cited, known once it has ended.</summary>
    public IReadOnlyList<Citation> Citations { get; private set; } = [];

    /// <summary>What the turn that wrote this answer told about how it was sent (this page's turns only; not stored).</summary>
    public IReadOnlyList<string> Notices { get; set; } = [];

    /// <summary>When the server wrote it; null until it has (a message just sent).</summary>
    public DateTimeOffset? CreatedAt { get; private set; }

    /// <summary>The model that wrote an answer.</summary>
    public string? Model { get; private set; }

    /// <summary>What an answer cost, when the router priced it; null otherwise (billing prices answers cut short).</summary>
    public decimal? CostUsd { get; private set; }

    public bool Estimated { get; private set; }

    /// <summary>Why an answer ended, once it has: <c>length</c> when it was cut at its output limit (it can be continued).</summary>
    public string? FinishReason { get; set; }

    public bool StoppedAtLengthLimit => Role == MessageRole.Assistant && Status == MessageStatus.Complete && FinishReason == "length";

    /// <summary>The last turn event applied; a resume asks for the events after it.</summary>
    public long LastEventId { get; set; }

    /// <summary>Shown in place, with a retry, when the answer failed or the connection was lost.</summary>
    public string? Error { get; set; }

    public int Version { get; private set; }

    public string Content => _content ??= _streamed.ToString();

    public bool IsStreaming => Status == MessageStatus.Streaming;

    public event Action? Changed;

    public static MessageState From(Message message)
    {
        var state = new MessageState(message.Role, message.ParentId);
        state.Apply(message);
        return state;
    }

    public static MessageState PendingUser(
        string content, Guid? parentId, int siblingIndex, int siblingCount, IReadOnlyList<MessageAttachment>? attachments = null)
    {
        var state = new MessageState(MessageRole.User, parentId)
        {
            Status = MessageStatus.Complete, SiblingIndex = siblingIndex, SiblingCount = siblingCount, Attachments = attachments ?? [],
        };
        state.Replace(content);
        return state;
    }

    public static MessageState PendingAnswer(Guid? parentId, int siblingIndex, int siblingCount) =>
        new(MessageRole.Assistant, parentId) { SiblingIndex = siblingIndex, SiblingCount = siblingCount };

    /// <summary>Takes the server's view of the message; a sibling count the server did not send is kept or grown.</summary>
    public void Apply(Message message)
    {
        Id = message.Id;
        ParentId = message.ParentId;
        Status = message.Status;
        SiblingIndex = message.SiblingIndex;
        SiblingCount = message.SiblingCount ?? Math.Max(SiblingCount, message.SiblingIndex + 1);
        SiblingIds = message.SiblingIds ?? SiblingIds;
        // A service that does not send them yet leaves what the page already knows.
        Attachments = message.Attachments ?? Attachments;
        Citations = message.Citations ?? Citations;
        Model = message.Model ?? Model;
        CreatedAt = message.CreatedAt;
        CostUsd = message.CostUsd ?? CostUsd;
        Estimated = message.UsageEstimated ?? Estimated;
        FinishReason = message.FinishReason ?? FinishReason;
        Replace(message.Content);
    }

    /// <summary>The usage of a <c>done</c> event: its cost, unless nobody knows which deployment served the answer.</summary>
    public void ApplyUsage(TurnUsage? usage)
    {
        if (usage is null)
        {
            return;
        }
        Model = usage.Model ?? Model;
        Estimated = usage.Estimated;
        CostUsd = usage.Deployment is "unknown" ? null : usage.CostUsd;
    }

    public void Append(string text)
    {
        _streamed.Append(text);
        _content = null;
    }

    public void Replace(string content)
    {
        _streamed.Clear().Append(content);
        _content = content;
    }

    public void NotifyChanged()
    {
        Version++;
        Changed?.Invoke();
    }
}
