namespace ChatPlatform.Ingestion.Deleting;

/// <summary>Other services' events that delete files (docs/files.md, Deleting).</summary>
public static class DeletionEvents
{
    /// <summary>Chat's: a conversation was deleted; it names the files no other conversation of the user attaches.</summary>
    public const string ConversationDeleted = "chat.conversation.deleted";

    /// <summary>The gateway's: an account was deleted; every file of the user goes.</summary>
    public const string AccountDeleted = "account.deleted";
}

public sealed record ConversationDeleted(Guid UserId, Guid ConversationId, IReadOnlyList<Guid>? FileIds);

public sealed record AccountDeleted(Guid UserId);
