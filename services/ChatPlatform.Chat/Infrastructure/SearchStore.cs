using System.Text;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using Npgsql;
using NpgsqlTypes;
using Pgvector;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// Reads the search index (<c>chat.search_entries</c>, migrations 0010 and 0012) for one user: every match of the
/// query's words in the user's rows (the GIN index is led by user_id), ranked, and the user's entries nearest to the
/// query's meaning, the two fused by rank; then only the page's rows get a snippet and their conversation's title. No path: walking a long conversation up from each hit cost more than the rest of the query
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

    /// <summary>
    /// The k of reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009), as ingestion's retriever uses: each list gives
    /// an entry 1/(k + its rank there) and the sums order the results. RRF needs no calibration between ts_rank_cd's
    /// unbounded scores and cosine distances, which are not on one scale; ranks are. k = 60 keeps one list's first
    /// place from drowning an entry both lists rank well, so a message found by its words and its meaning comes first.
    /// </summary>
    public const int FusionK = 60;

    /// <summary>Matches by meaning taken into the fusion: the nearest within <see cref="SearchOptions.MaxDistance"/>.</summary>
    public const int MaxMeaningMatches = 200;

    /// <summary>
    /// Up to this many entries a user's vectors are all compared (exact, a few ms); above it the HNSW index is walked,
    /// iteratively, until enough of that user's rows passed the filters.
    /// </summary>
    public const int ExactSearchMaxEntries = 20_000;

    // The HNSW search's candidate list: recall above 0.99 for the top 50, about 1 ms more than the default 40.
    private const int EfSearch = 100;

    // One text for both lists, so the filters apply to matches by meaning exactly as to matches by words.
    private const string Filters = """
        e.user_id = $1
          AND ($3::uuid IS NULL OR e.folder_id = $3) AND (NOT $4 OR e.folder_id IS NULL)
          AND ($5::text IS NULL OR e.tags @> ARRAY[$5::text]) AND ($6::text IS NULL OR e.model = $6)
          AND ($7::timestamptz IS NULL OR e.created_at >= $7) AND ($8::timestamptz IS NULL OR e.created_at < $8)
          AND ($9 OR NOT e.archived)
        """;

    // By words: every match, ranked (as before fusion; deep pages still reach the last one). By meaning: the user's
    // nearest vectors of the query's model within the distance bound, exact for most users (the HNSW graph spans every
    // user: walking it for one user's thousand rows costs more than comparing them), through the index for the few
    // with very long histories (a one-time filter picks the branch). Then the two fused by rank, paged by the fused score.
    private static readonly string Sql = $"""
        WITH by_words AS MATERIALIZED (
            SELECT e.id, ts_rank_cd(e.document, chat.search_query($2)) AS rank
            FROM chat.search_entries e
            WHERE {Filters} AND e.document @@ chat.search_query($2)
        ),
        words AS (
            SELECT id, row_number() OVER (ORDER BY rank DESC, id DESC) AS position FROM by_words
        ),
        history AS MATERIALIZED (
            SELECT count(*) AS entries FROM (SELECT FROM chat.search_entries WHERE $13::public.vector IS NOT NULL AND user_id = $1 LIMIT {ExactSearchMaxEntries + 1}) counted
        ),
        compared AS MATERIALIZED (
            SELECT e.id, e.embedding OPERATOR(public.<=>) $13::public.vector AS distance
            FROM chat.search_entries e
            WHERE {Filters} AND $13::public.vector IS NOT NULL AND e.embedding_model = $14
              AND (SELECT entries FROM history) <= {ExactSearchMaxEntries}
        ),
        walked AS MATERIALIZED (
            SELECT e.id, e.embedding OPERATOR(public.<=>) $13::public.vector AS distance
            FROM chat.search_entries e
            WHERE {Filters} AND $13::public.vector IS NOT NULL AND e.embedding_model = $14
              AND (SELECT entries FROM history) > {ExactSearchMaxEntries}
            ORDER BY e.embedding OPERATOR(public.<=>) $13::public.vector
            LIMIT {MaxMeaningMatches}
        ),
        meaning AS (
            SELECT id, row_number() OVER (ORDER BY distance, id DESC) AS position
            FROM (SELECT id, distance FROM (SELECT * FROM compared UNION ALL SELECT * FROM walked) nearest
                  WHERE distance <= $15 ORDER BY distance, id DESC LIMIT {MaxMeaningMatches}) kept
        ),
        fused AS (
            SELECT id, coalesce(1.0::float8 / ({FusionK} + w.position), 0) + coalesce(1.0::float8 / ({FusionK} + m.position), 0) AS score,
                   w.position IS NOT NULL AS by_words
            FROM words w FULL JOIN meaning m USING (id)
        ),
        chosen AS (
            SELECT f.id, f.score, f.by_words FROM fused f
            WHERE $10::float8 IS NULL OR f.score < $10 OR f.score = $10 AND f.id < $11
            ORDER BY f.score DESC, f.id DESC
            LIMIT $12
        ),
        page AS MATERIALIZED (
            SELECT e.id, e.conversation_id, e.role, e.body, e.created_at, ch.score AS rank, ch.by_words
            FROM chosen ch JOIN chat.search_entries e ON e.user_id = $1 AND e.id = ch.id
        ),
        marked AS (
            SELECT p.*, replace(translate(p.body, chr(1) || chr(2) || chr(3), '   '), '<', chr(1)) AS plain FROM page p
        ),
        lit AS (
            SELECT m.*, ts_headline('chat.search_words'::regconfig, m.plain, chat.search_query($2), {Options}) AS words FROM marked m
        )
        SELECT l.id, l.conversation_id, l.role, l.created_at, l.rank, c.title,
               CASE WHEN strpos(l.words, chr(2)) > 0 OR NOT l.by_words THEN l.words
                    ELSE ts_headline('pg_catalog.english'::regconfig, l.plain, chat.search_query($2), {Options}) END AS snippet,
               c.id IS NOT NULL AS live
        FROM lit l
        LEFT JOIN chat.conversations c ON c.user_id = $1 AND c.id = l.conversation_id AND c.deleted_at IS NULL
        ORDER BY l.rank DESC, l.id DESC
        """;

    /// <summary>The query <see cref="SearchAsync"/> runs, for the bench's plans; its parameters are in the order set there.</summary>
    public static string QueryText => Sql;

    /// <summary>
    /// A page of <paramref name="request"/>'s matches for <paramref name="userId"/>: by words, and by meaning too when the
    /// query's vector is given (<paramref name="query"/>, null for words alone), fused.
    /// </summary>
    public async Task<SearchPage> SearchAsync(
        Guid userId, SearchRequest request, QueryVector? query, double maxDistance, CancellationToken cancellationToken)
    {
        var filter = request.Filter;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // SET LOCAL needs a transaction; it keeps the HNSW settings from outliving this search on the pooled connection.
        await using var transaction = query is null ? null : await connection.BeginTransactionAsync(cancellationToken);
        if (transaction is not null)
        {
            await using var settings = new NpgsqlCommand(
                $"SET LOCAL hnsw.ef_search = {EfSearch}; SET LOCAL hnsw.iterative_scan = relaxed_order", connection, transaction);
            await settings.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var command = new NpgsqlCommand(Sql, connection, transaction);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = request.Query });
        command.Parameters.Add(new() { Value = (object?)filter.Folder ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = filter.NoFolder });
        command.Parameters.Add(new() { Value = (object?)filter.Tag ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)filter.Model ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)filter.From ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = (object?)filter.To ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = filter.Archived });
        command.Parameters.Add(new() { Value = (object?)request.After?.Rank ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double });
        command.Parameters.Add(new() { Value = (object?)request.After?.Id ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        // One more than the page: whether there is a next one.
        command.Parameters.Add(new() { Value = request.Limit + 1 });
        command.Parameters.Add(query is null
            ? new NpgsqlParameter { Value = DBNull.Value, DataTypeName = "vector" }
            : new NpgsqlParameter { Value = new Vector(query.Vector) });
        command.Parameters.Add(new() { Value = (object?)query?.Model ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = maxDistance });

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
            last = new SearchCursor(reader.GetDouble(4), id);
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
