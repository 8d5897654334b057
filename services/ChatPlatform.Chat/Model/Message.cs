namespace ChatPlatform.Chat.Model;

public enum MessageRole
{
    User,
    Assistant,
    System,
}

public enum MessageStatus
{
    Complete,
    Streaming,
    Stopped,
    Interrupted,
    Failed,
}

/// <summary>A node of a conversation's tree; <see cref="SiblingIndex"/> is its 0-based place among its parent's children.</summary>
public sealed record Message(
    Guid Id,
    Guid ConversationId,
    Guid? ParentId,
    MessageRole Role,
    string Content,
    MessageStatus Status,
    string? Model,
    DateTimeOffset CreatedAt,
    int SiblingIndex);

/// <summary>
/// A message on a path, with what a <c>&lt; 2/3 &gt;</c> navigator needs: its siblings' count and ids in order (itself
/// included), so any sibling can be selected without reading the tree.
/// </summary>
public sealed record PathMessage(
    Guid Id,
    Guid ConversationId,
    Guid? ParentId,
    MessageRole Role,
    string Content,
    MessageStatus Status,
    string? Model,
    DateTimeOffset CreatedAt,
    int SiblingIndex,
    int SiblingCount,
    IReadOnlyList<Guid> SiblingIds);

/// <summary>A message of the path as the model is sent it: who said it and what.</summary>
public sealed record ContextMessage(MessageRole Role, string Content);
