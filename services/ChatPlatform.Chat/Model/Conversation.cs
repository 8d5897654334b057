namespace ChatPlatform.Chat.Model;

public sealed record Conversation(
    Guid Id, string? Title, string Model, string? SystemPrompt, Guid? CurrentLeafId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    /// <summary>The folder it is filed in; null for none.</summary>
    public Guid? FolderId { get; init; }

    /// <summary>Normalised (trimmed, lower-case), sorted.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Pinned: listed before the others.</summary>
    public bool Starred { get; init; }

    /// <summary>Hidden from the list unless it asks for archived conversations; still readable and searchable.</summary>
    public bool Archived => ArchivedAt is not null;

    public DateTimeOffset? ArchivedAt { get; init; }

    /// <summary>The sampling temperature every turn is sent; null for the model's default.</summary>
    public double? Temperature { get; init; }

    /// <summary>The longest answer every turn asks for; null for the model's limit.</summary>
    public int? MaxOutputTokens { get; init; }
}

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
    public Guid? FolderId { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public bool Starred { get; init; }

    public bool Archived => ArchivedAt is not null;

    public DateTimeOffset? ArchivedAt { get; init; }

    public double? Temperature { get; init; }

    public int? MaxOutputTokens { get; init; }

    public static ConversationDetail From(Conversation c, IReadOnlyList<PathMessage> messages) =>
        new(c.Id, c.Title, c.Model, c.SystemPrompt, c.CurrentLeafId, c.CreatedAt, c.UpdatedAt, messages)
        {
            FolderId = c.FolderId,
            Tags = c.Tags,
            Starred = c.Starred,
            ArchivedAt = c.ArchivedAt,
            Temperature = c.Temperature,
            MaxOutputTokens = c.MaxOutputTokens,
        };
}

/// <summary>One page of a user's conversations, starred first, then by last activity; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record ConversationPage(IReadOnlyList<Conversation> Items, string? NextCursor);
