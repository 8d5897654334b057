using System.Text;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using Npgsql;
using NpgsqlTypes;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// Reads the search index (<c>chat.search_entries</c>, migration 0008) for one user: every match of the query in the
/// user's rows (the GIN index is led by user_id), ranked, then only the page's rows get a snippet and their
/// conversation's title. No path: walking a long conversation up from each hit cost more than the rest of the query
/// (7.5 of 8.7 ms at 100 messages a conversation); the message id alone selects its branch (<c>PUT .../leaf</c>).
/// </summary>
public sealed class SearchStore(NpgsqlDataSource dataSource)
{
    // Marks the database cannot find in the text it highlights: the body loses these control characters first, and '<'
    // travels as \u0001 because ts_headline drops what looks like an HTML tag.
    private const char MatchStart = '\u0002';
    private const char MatchEnd = '\u0003';
    private const char LessThan = '\u0001';

    private const string Options = "'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=20, MinWords=8, MaxFragments=2, FragmentDelimiter=\" … \"'";

    private const string Sql = $"""
        WITH page AS MATERIALIZED (
            SELECT e.id, e.conversation_id, e.role, e.body, e.created_at, ts_rank_cd(e.document, chat.search_query($2)) AS rank
            FROM chat.search_entries e
            WHERE e.user_id = $1 AND e.document @@ chat.search_query($2)
              AND ($3::uuid IS NULL OR e.folder_id = $3) AND (NOT $4 OR e.folder_id IS NULL)
              AND ($5::text IS NULL OR e.tags @> ARRAY[$5::text]) AND ($6::text IS NULL OR e.model = $6)
              AND ($7::timestamptz IS NULL OR e.created_at >= $7) AND ($8::timestamptz IS NULL OR e.created_at < $8)
              AND ($9 OR NOT e.archived)
              AND ($10::real IS NULL OR ts_rank_cd(e.document, chat.search_query($2)) < $10
                   OR ts_rank_cd(e.document, chat.search_query($2)) = $10 AND e.id < $11)
            ORDER BY rank DESC, e.id DESC
            LIMIT $12
        ),
        marked AS (
            SELECT p.*, replace(translate(p.body, chr(1) || chr(2) || chr(3), '   '), '<', chr(1)) AS plain FROM page p
        ),
        lit AS (
            SELECT m.*, ts_headline('chat.search_words'::regconfig, m.plain, chat.search_query($2), {Options}) AS words FROM marked m
        )
        SELECT l.id, l.conversation_id, l.role, l.created_at, l.rank, c.title,
               CASE WHEN strpos(l.words, chr(2)) > 0 THEN l.words
                    ELSE ts_headline('pg_catalog.english'::regconfig, l.plain, chat.search_query($2), {Options}) END AS snippet,
               c.id IS NOT NULL AS live
        FROM lit l
        LEFT JOIN chat.conversations c ON c.user_id = $1 AND c.id = l.conversation_id AND c.deleted_at IS NULL
        ORDER BY l.rank DESC, l.id DESC
        """;

    /// <summary>The query <see cref="SearchAsync"/> runs, for the bench's plans; its parameters are in the order set there.</summary>
    public static string QueryText => Sql;

    public async Task<SearchPage> SearchAsync(Guid userId, SearchRequest request, CancellationToken cancellationToken)
    {
        var filter = request.Filter;
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = request.Query });
        command.Parameters.Add(new() { Value = (object?)filter.Folder ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = filter.NoFolder });
        command.Parameters.Add(new() { Value = (object?)filter.Tag ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)filter.Model ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)filter.From ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = (object?)filter.To ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = filter.Archived });
        command.Parameters.Add(new() { Value = (object?)request.After?.Rank ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Real });
        command.Parameters.Add(new() { Value = (object?)request.After?.Id ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        // One more than the page: whether there is a next one.
        command.Parameters.Add(new() { Value = request.Limit + 1 });

        var items = new List<SearchHit>();
        SearchCursor? last = null;
        var read = 0;
        var more = false;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (read == request.Limit)
            {
                more = true;
                break;
            }
            read++;
            var id = reader.GetGuid(0);
            last = new SearchCursor(reader.GetFloat(4), id);
            // A conversation deleted since it was indexed: the consumer removes its rows in a moment; never shown meanwhile.
            if (!reader.GetBoolean(7))
            {
                continue;
            }
            var role = reader.GetString(2);
            var (snippet, matches) = Unmark(reader.GetString(6));
            items.Add(new SearchHit(
                reader.GetGuid(1),
                role == "title" ? null : id,
                reader.IsDBNull(5) ? null : reader.GetString(5),
                snippet,
                matches,
                role,
                reader.GetFieldValue<DateTimeOffset>(3)));
        }
        return new SearchPage(items, more ? last!.Encode() : null);
    }

    /// <summary>The headline as plain text and the ranges its marks enclosed; '<' restored.</summary>
    public static (string Text, IReadOnlyList<SearchMatch> Matches) Unmark(string headline)
    {
        var text = new StringBuilder(headline.Length);
        var matches = new List<SearchMatch>();
        var start = -1;
        foreach (var c in headline)
        {
            switch (c)
            {
                case MatchStart:
                    start = text.Length;
                    break;
                case MatchEnd when start >= 0:
                    if (text.Length > start)
                    {
                        matches.Add(new SearchMatch(start, text.Length - start));
                    }
                    start = -1;
                    break;
                case MatchEnd:
                    break;
                case LessThan:
                    text.Append('<');
                    break;
                case var space when text.Length == 0 && char.IsWhiteSpace(space):
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }
        return (text.ToString().TrimEnd(), matches);
    }
}
