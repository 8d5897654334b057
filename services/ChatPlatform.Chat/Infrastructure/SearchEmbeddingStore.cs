using Npgsql;
using Pgvector;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// The vectors of <c>chat.search_entries</c> (0012_search_vectors.sql): takes a batch of rows still without one, and
/// writes theirs. The rows stay locked (<c>FOR UPDATE SKIP LOCKED</c>) while their texts are embedded, so another
/// instance's embedder takes other rows, and a consumer that changes a row's text meanwhile waits and then clears the
/// vector of the old text (<see cref="SearchIndexStore"/>): a vector never outlives the text it was made from.
/// </summary>
public sealed class SearchEmbeddingStore(NpgsqlDataSource dataSource)
{
    /// <summary>The part of a text that is embedded: MiniLM reads its first 256 word pieces, about 1,000 characters.</summary>
    public const int MaxEmbeddedCharacters = 2_000;

    /// <summary>
    /// Embeds up to <paramref name="limit"/> rows without a vector, oldest first, with <paramref name="embed"/>; the number
    /// embedded (fewer than the limit: the queue is empty, or the rest are being embedded elsewhere).
    /// </summary>
    public async Task<int> EmbedPendingAsync(
        int limit, Func<IReadOnlyList<string>, CancellationToken, Task<TextEmbeddings>> embed, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = new List<(Guid UserId, Guid Id, string Text)>();
        await using (var select = new NpgsqlCommand($"""
            SELECT user_id, id, left(body, {MaxEmbeddedCharacters}) FROM chat.search_entries
            WHERE embedding IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED
            """, connection, transaction))
        {
            select.Parameters.Add(new() { Value = limit });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2)));
            }
        }
        if (rows.Count == 0)
        {
            return 0;
        }
        var embeddings = await embed([.. rows.Select(r => r.Text)], cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        for (var i = 0; i < rows.Count; i++)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "UPDATE chat.search_entries SET embedding = $3, embedding_model = $4 WHERE user_id = $1 AND id = $2")
            {
                Parameters =
                {
                    new() { Value = rows[i].UserId }, new() { Value = rows[i].Id },
                    new() { Value = new Vector(embeddings.Vectors[i]) }, new() { Value = embeddings.Model },
                },
            });
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return rows.Count;
    }
}
