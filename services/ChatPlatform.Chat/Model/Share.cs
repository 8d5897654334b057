using System.Text.Json.Serialization;

namespace ChatPlatform.Chat.Model;

/// <summary>
/// A share as its owner sees it (docs/conversations.md, Sharing). <see cref="Url"/> is the web app's page for it, a path
/// the web app makes absolute with its own address.
/// </summary>
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

/// <summary>One page of the caller's shares, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record SharePage(IReadOnlyList<Share> Items, string? NextCursor);

/// <summary>
/// What anyone with the link reads: the copied branch and nothing that names its owner (no user id, email or name, no
/// conversation id, no system prompt). <see cref="SnapshotAt"/> is when the branch was copied.
/// </summary>
public sealed record SharedConversation(
    string ShareId, string? Title, string Model, string Visibility, bool Indexable, DateTimeOffset SnapshotAt, IReadOnlyList<SharedMessage> Messages);

/// <summary>A message of a snapshot. Citations keep the source number, file name and page, not the owner's file id.</summary>
public sealed record SharedMessage(MessageRole Role, string Content, string? Model, DateTimeOffset CreatedAt, IReadOnlyList<SharedCitation> Citations);

public sealed record SharedCitation(int Source, string FileName, int? Page);

/// <summary><c>messageId</c>: the leaf of the branch on screen. <c>visibility</c>: <c>public</c> (default) or <c>signed-in</c>.</summary>
public sealed record CreateShareRequest(Guid? MessageId, string? Visibility, DateTimeOffset? ExpiresAt, bool? Indexable);

/// <summary>
/// Only the fields present change. <c>expiresAt: null</c> removes the expiry, so its presence is tracked apart from its
/// value. <c>resnapshot: true</c> copies the branch again, up to <c>messageId</c>.
/// </summary>
public sealed class UpdateShareRequest
{
    private readonly DateTimeOffset? _expiresAt;
    private readonly bool _expiresAtGiven;

    public string? Visibility { get; init; }

    public bool? Indexable { get; init; }

    public bool? Resnapshot { get; init; }

    public Guid? MessageId { get; init; }

    public DateTimeOffset? ExpiresAt
    {
        get => _expiresAt;
        init
        {
            _expiresAt = value;
            _expiresAtGiven = true;
        }
    }

    [JsonIgnore]
    public bool ExpiresAtGiven => _expiresAtGiven;
}
