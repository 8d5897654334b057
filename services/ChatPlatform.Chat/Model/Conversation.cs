namespace ChatPlatform.Chat.Model;

public sealed record Conversation(
    Guid Id, string? Title, string Model, string? SystemPrompt, Guid? CurrentLeafId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A conversation with the path of messages from the root to its current leaf.</summary>
public sealed record ConversationDetail(
    Guid Id,
    string? Title,
    string Model,
    string? SystemPrompt,
    Guid? CurrentLeafId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<PathMessage> Messages)
{
    public static ConversationDetail From(Conversation c, IReadOnlyList<PathMessage> messages) =>
        new(c.Id, c.Title, c.Model, c.SystemPrompt, c.CurrentLeafId, c.CreatedAt, c.UpdatedAt, messages);
}

/// <summary>One page of a user's conversations, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record ConversationPage(IReadOnlyList<Conversation> Items, string? NextCursor);
