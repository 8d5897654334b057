namespace ChatPlatform.Chat.Services;

/// <summary>
/// What <c>GET /v1/conversations</c> narrows the list to. <see cref="Folder"/> with <see cref="NoFolder"/> false: that
/// folder; <see cref="NoFolder"/>: conversations in none. <see cref="From"/> is inclusive and <see cref="To"/> exclusive,
/// both on the last activity. <see cref="Archived"/> false (the default) hides archived conversations, true lists only them.
/// </summary>
public sealed record ConversationFilter
{
    public static readonly ConversationFilter None = new();

    public Guid? Folder { get; init; }

    public bool NoFolder { get; init; }

    public string? Tag { get; init; }

    public string? Model { get; init; }

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    public bool? Starred { get; init; }

    public bool Archived { get; init; }
}
