namespace ChatPlatform.Chat.Model;

/// <summary>
/// One match of <c>GET /v1/search</c>. <paramref name="Snippet"/> is plain text (never markup: render it escaped) and
/// <paramref name="Matches"/> the ranges of it to highlight, in UTF-16 code units. A title's match has no
/// <paramref name="MessageId"/>. A message's branch is opened with <c>PUT /v1/conversations/{id}/leaf</c>
/// <c>{"messageId"}</c>, which makes the path through it current (its ancestors, it, and its latest descendants).
/// </summary>
public sealed record SearchHit(
    Guid ConversationId,
    Guid? MessageId,
    string? Title,
    string Snippet,
    IReadOnlyList<SearchMatch> Matches,
    string Role,
    DateTimeOffset CreatedAt);

/// <summary>A highlighted range of a snippet: <paramref name="Start"/> and <paramref name="Length"/> in UTF-16 code units.</summary>
public sealed record SearchMatch(int Start, int Length);

public sealed record SearchPage(IReadOnlyList<SearchHit> Items, string? NextCursor);
