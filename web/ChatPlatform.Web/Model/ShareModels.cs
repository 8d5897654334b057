namespace ChatPlatform.Web.Model;

/// <summary>A share of the caller's (docs/conversations.md, Sharing); <see cref="Url"/> is this app's path <c>/s/{shareId}</c>.</summary>
public sealed record Share(
    string ShareId,
    string Url,
    Guid ConversationId,
    Guid LeafId,
    string? Title,
    string Visibility,
    bool Indexable,
    DateTimeOffset? ExpiresAt,
    int MessageCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record SharePage(IReadOnlyList<Share> Items, string? NextCursor);

/// <summary>What anyone with the link reads: the copied branch, and nothing naming its owner.</summary>
public sealed record SharedConversation(
    string ShareId, string? Title, string Model, string Visibility, bool Indexable, DateTimeOffset SnapshotAt, IReadOnlyList<SharedMessage> Messages);

public sealed record SharedMessage(MessageRole Role, string Content, string? Model, DateTimeOffset CreatedAt, IReadOnlyList<SharedCitation>? Citations);

public sealed record SharedCitation(int Source, string FileName, int? Page);

/// <summary>How a read of a shared conversation ended, for the public page to say.</summary>
public abstract record SharedRead
{
    public sealed record Found(SharedConversation Conversation) : SharedRead;

    /// <summary>Shared with signed-in people only, and the viewer is not signed in.</summary>
    public sealed record SignInRequired : SharedRead;

    /// <summary>Unknown, revoked or expired: the gateway does not say which.</summary>
    public sealed record NotFound : SharedRead;

    public sealed record Refused(string Message) : SharedRead;
}
