using Npgsql;
using Pgvector;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// The vectors of <c>chat.search_entries</c> (0012_search_vectors.sql): claims a batch of rows still without one
/// (0014_search_embedding_claims.sql), embeds their texts with no connection held, and writes each vector only if the
/// row's text is still the one embedded. A claim keeps another instance's embedder on other rows, and lapses after
/// <see cref="ClaimDuration"/> if its instance stops. A consumer that changes a row's text meanwhile never waits on the
/// model: its new text has no vector, and the claim's end leaves the row to the next pass (<see cref="SearchIndexStore"/>
/// clears the vector of a changed text): a vector never outlives the text it was made from.
/// </summary>
public sealed class SearchEmbeddingStore(NpgsqlDataSource dataSource)
{
    /// <summary>The part of a text that is embedded: MiniLM reads its first 256 word pieces, about 1,000 characters.</summary>
    public const int MaxEmbeddedCharacters = 2_000;

    /// <summary>How long a claim keeps other embedders off its rows: several times the longest call to the model (10 s).</summary>
    public static readonly TimeSpan ClaimDuration = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Embeds up to <paramref name="limit"/> rows without a vector, oldest first, with <paramref name="embed"/>; the number
    /// claimed (fewer than the limit: the queue is empty, or the rest are claimed elsewhere). A row whose text changed
    /// while it was embedded keeps no vector and is left to the next pass. If <paramref name="embed"/> fails, the claims
    /// are given up, so that the rows are tried again at once when the model is back.
    /// </summary>
    public async Task<int> EmbedPendingAsync(
        int limit, Func<IReadOnlyList<string>, CancellationToken, Task<TextEmbeddings>> embed, CancellationToken cancellationToken)
    {
        var rows = await ClaimAsync(limit, cancellationToken);
        if (rows.Count == 0)
        {
            return 0;
        }
        TextEmbeddings embeddings;
        try
        {
            embeddings = await embed([.. rows.Select(r => r.Text)], cancellationToken);
        }
        catch
        {
            await ReleaseAsync(rows);
            throw;
        }
        await WriteAsync(rows, embeddings, cancellationToken);
        return rows.Count;
    }

    private async Task<List<(Guid UserId, Guid Id, string Text)>> ClaimAsync(int limit, CancellationToken cancellationToken)
    {
        await using var claim = dataSource.CreateCommand($"""
            WITH unclaimed AS MATERIALIZED (
                SELECT user_id, id FROM chat.search_entries
                WHERE embedding IS NULL AND (embedding_claimed_until IS NULL OR embedding_claimed_until < now())
                ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED
            )
            UPDATE chat.search_entries e SET embedding_claimed_until = now() + $2
            FROM unclaimed
            WHERE e.user_id = unclaimed.user_id AND e.id = unclaimed.id
            RETURNING e.user_id, e.id, left(e.body, {MaxEmbeddedCharacters})
            """);
        claim.Parameters.Add(new() { Value = limit });
        claim.Parameters.Add(new() { Value = ClaimDuration });
        var rows = new List<(Guid UserId, Guid Id, string Text)>();
        await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2)));
        }
        return rows;
    }

    /// <summary>Ends the claims on <paramref name="rows"/>, with the vectors of the texts still unchanged.</summary>
    private async Task WriteAsync(List<(Guid UserId, Guid Id, string Text)> rows, TextEmbeddings embeddings, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        for (var i = 0; i < rows.Count; i++)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
                UPDATE chat.search_entries SET embedding_claimed_until = NULL,
                    embedding = CASE WHEN left(body, {MaxEmbeddedCharacters}) = $3 THEN $4 END,
                    embedding_model = CASE WHEN left(body, {MaxEmbeddedCharacters}) = $3 THEN $5 END
                WHERE user_id = $1 AND id = $2 AND embedding IS NULL
                """)
            {
                Parameters =
                {
                    new() { Value = rows[i].UserId }, new() { Value = rows[i].Id }, new() { Value = rows[i].Text },
                    new() { Value = new Vector(embeddings.Vectors[i]) }, new() { Value = embeddings.Model },
                },
            });
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Ends the claims on <paramref name="rows"/> without vectors (when the database cannot be reached, they lapse).</summary>
    private async Task ReleaseAsync(List<(Guid UserId, Guid Id, string Text)> rows)
    {
        try
        {
            await ReleaseOrThrowAsync(rows);
        }
        catch (Exception e) when (e is NpgsqlException or ObjectDisposedException)
        {
        }
    }

    private async Task ReleaseOrThrowAsync(List<(Guid UserId, Guid Id, string Text)> rows)
    {
        await using var release = dataSource.CreateCommand("""
            UPDATE chat.search_entries SET embedding_claimed_until = NULL
            FROM unnest($1::uuid[], $2::uuid[]) AS claimed(user_id, id)
            WHERE search_entries.user_id = claimed.user_id AND search_entries.id = claimed.id AND embedding IS NULL
            """);
        release.Parameters.Add(new() { Value = rows.Select(r => r.UserId).ToArray() });
        release.Parameters.Add(new() { Value = rows.Select(r => r.Id).ToArray() });
        await release.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
