namespace ChatPlatform.Chat.Model;

/// <summary>
/// <c>POST /v1/conversations/bulk</c>: one action on several of the caller's conversations, all or nothing.
/// <c>folderId</c> is the target of <c>move</c> (absent or null: out of any folder); <c>tags</c> those <c>tag</c> adds
/// and <c>untag</c> removes.
/// </summary>
public sealed record BulkRequest(IReadOnlyList<Guid>? Ids, string? Action, Guid? FolderId, IReadOnlyList<string>? Tags);

public enum BulkAction
{
    Move,
    Tag,
    Untag,
    Archive,
    Unarchive,
    Star,
    Unstar,
    Delete,
}

/// <summary>How many conversations the action changed (all those named).</summary>
public sealed record BulkResult(int Count);
