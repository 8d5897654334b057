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
    int SiblingIndex)
{
    /// <summary>The files a user message attached, in the order the request named them (docs/files.md).</summary>
    public IReadOnlyList<Attachment> Attachments { get; init; } = [];

    /// <summary>The sources an assistant answer cited with <c>[n]</c>, in the order it first cited them.</summary>
    public IReadOnlyList<Citation> Citations { get; init; } = [];
}

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
    IReadOnlyList<Guid> SiblingIds)
{
    public IReadOnlyList<Attachment> Attachments { get; init; } = [];

    public IReadOnlyList<Citation> Citations { get; init; } = [];

    /// <summary>
    /// An answer's cost in US dollars as the router priced it; null for user messages, answers still streaming, and
    /// answers cut short before the router's figures (billing prices those, docs/usage.md).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public decimal? CostUsd { get; init; }

    /// <summary>Why an answer ended (<c>stop</c>, <c>length</c>: cut at its output limit, and can be continued); null for the rest.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? FinishReason { get; init; }

    /// <summary>Whether the answer's tokens were estimated rather than reported by its provider; null without usage.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public bool? UsageEstimated { get; init; }
}

/// <summary>A message of the path as the model is sent it: who said it and what (and its id, where its images are placed).</summary>
public sealed record ContextMessage(MessageRole Role, string Content, Guid? Id = null);
