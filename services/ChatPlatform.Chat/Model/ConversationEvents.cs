namespace ChatPlatform.Chat.Model;

/// <summary>
/// <c>chat.conversation.deleted</c> (docs/files.md, Deleting): <paramref name="FileIds"/> are the files that no other
/// conversation of the user attaches any more, computed in the deleting transaction.
/// </summary>
public sealed record ConversationDeleted(Guid UserId, Guid ConversationId, IReadOnlyList<Guid> FileIds);

/// <summary>The gateway's <c>account.deleted</c>: every conversation of the user goes.</summary>
public sealed record AccountDeleted(Guid UserId);
