namespace ChatPlatform.Chat.Model;

/// <summary>
/// <c>chat.conversation.deleted</c> (docs/files.md, Deleting): <paramref name="FileIds"/> are the files that no other
/// conversation of the user attaches any more, computed in the deleting transaction.
/// </summary>
public sealed record ConversationDeleted(Guid UserId, Guid ConversationId, IReadOnlyList<Guid> FileIds);

/// <summary>The gateway's <c>account.deleted</c>: every conversation of the user goes.</summary>
public sealed record AccountDeleted(Guid UserId);

/// <summary>
/// <c>chat.conversation.updated</c>: how a conversation is now organised and named, written with the change (a PATCH, a
/// bulk action, its folder's deletion). Search keeps its filters from it.
/// </summary>
public sealed record ConversationUpdated(
    Guid UserId, Guid ConversationId, string? Title, string Model, Guid? FolderId, IReadOnlyList<string> Tags, bool Starred, bool Archived);

/// <summary><c>chat.folder.created</c>, <c>chat.folder.renamed</c> and <c>chat.folder.deleted</c> (Name null).</summary>
public sealed record FolderChanged(Guid UserId, Guid FolderId, string? Name);
