namespace ChatPlatform.Web.Model;

/// <summary>A page of <c>GET /v1/search</c> (docs/conversations.md, Search).</summary>
public sealed record SearchPage(IReadOnlyList<SearchHit> Items, string? NextCursor);

/// <summary>One match: <see cref="Snippet"/> is plain text, <see cref="Matches"/> the ranges of it to mark.</summary>
public sealed record SearchHit(
    Guid ConversationId, Guid? MessageId, string? Title, string Snippet, IReadOnlyList<SearchMatch> Matches, string Role, DateTimeOffset CreatedAt)
{
    /// <summary>
    /// The snippet cut at its matches, each piece marked or not; the page renders them as text, so content is never markup.
    /// Ranges out of order or out of bounds are dropped rather than trusted.
    /// </summary>
    public IEnumerable<(string Text, bool Marked)> Pieces()
    {
        var at = 0;
        foreach (var match in Matches.OrderBy(m => m.Start))
        {
            if (match.Start < at || match.Length <= 0 || match.Start + match.Length > Snippet.Length)
            {
                continue;
            }
            if (match.Start > at)
            {
                yield return (Snippet[at..match.Start], false);
            }
            yield return (Snippet.Substring(match.Start, match.Length), true);
            at = match.Start + match.Length;
        }
        if (at < Snippet.Length)
        {
            yield return (Snippet[at..], false);
        }
    }
}

public sealed record SearchMatch(int Start, int Length);
