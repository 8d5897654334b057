using System.Text;
using Npgsql;
using NpgsqlTypes;
using Pgvector;

namespace ChatPlatform.Ingestion.Retrieval;

/// <summary>
/// A file's chunks in <c>ingestion.chunks</c>, written inside the caller's transaction so that a file's chunks, its
/// status and its event change together or not at all.
/// </summary>
/// <param name="embeddingModel">The key of the model that made the vectors (<see cref="EmbeddingOptions.ModelKey"/>), stored with each chunk.</param>
public sealed class ChunkStore(string embeddingModel = EmbeddingOptions.LocalModelKey)
{
    /// <summary>
    /// Replaces the chunks of <paramref name="fileId"/> with <paramref name="chunks"/> (a reprocessed file leaves none of
    /// its earlier ones), copied in one binary COPY. The owner comes from the file's row, which stays locked until the
    /// transaction ends, so two processors of the same file cannot interleave. False when the file no longer exists.
    /// </summary>
    public async Task<bool> ReplaceAsync(
        NpgsqlTransaction transaction, Guid fileId, IReadOnlyList<EmbeddedChunk> chunks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(chunks);
        foreach (var chunk in chunks)
        {
            if (chunk.Embedding.Length != EmbeddingOptions.ColumnDimensions)
            {
                throw new ArgumentException(
                    $"Chunk {chunk.Chunk.Ordinal} has a vector of {chunk.Embedding.Length} dimensions; ingestion.chunks holds {EmbeddingOptions.ColumnDimensions}.",
                    nameof(chunks));
            }
        }
        var connection = transaction.Connection ?? throw new ArgumentException("The transaction has completed.", nameof(transaction));

        Guid userId;
        await using (var owner = new NpgsqlCommand("SELECT user_id FROM ingestion.files WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            owner.Parameters.Add(new NpgsqlParameter { Value = fileId });
            if (await owner.ExecuteScalarAsync(cancellationToken) is not Guid found)
            {
                return false;
            }
            userId = found;
        }

        await DeleteAsync(connection, transaction, fileId, cancellationToken);

        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY ingestion.chunks (file_id, user_id, ordinal, page, text, tokens, embedding, embedding_model) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var (chunk, embedding) in chunks)
        {
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(fileId, NpgsqlDbType.Uuid, cancellationToken);
            await writer.WriteAsync(userId, NpgsqlDbType.Uuid, cancellationToken);
            await writer.WriteAsync(chunk.Ordinal, NpgsqlDbType.Integer, cancellationToken);
            if (chunk.Page is { } page)
            {
                await writer.WriteAsync(page, NpgsqlDbType.Integer, cancellationToken);
            }
            else
            {
                await writer.WriteNullAsync(cancellationToken);
            }
            await writer.WriteAsync(Sanitize(chunk.Text), NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(chunk.Tokens, NpgsqlDbType.Integer, cancellationToken);
            await writer.WriteAsync(new Vector(embedding), "vector", cancellationToken);
            await writer.WriteAsync(embeddingModel, NpgsqlDbType.Text, cancellationToken);
        }
        await writer.CompleteAsync(cancellationToken);
        return true;
    }

    /// <summary>Deletes the chunks of <paramref name="fileId"/> and returns how many there were.</summary>
    public async Task<int> DeleteAsync(NpgsqlTransaction transaction, Guid fileId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var connection = transaction.Connection ?? throw new ArgumentException("The transaction has completed.", nameof(transaction));
        return await DeleteAsync(connection, transaction, fileId, cancellationToken);
    }

    private static async Task<int> DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid fileId, CancellationToken cancellationToken)
    {
        await using var delete = new NpgsqlCommand("DELETE FROM ingestion.chunks WHERE file_id = $1", connection, transaction);
        delete.Parameters.Add(new NpgsqlParameter { Value = fileId });
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    // PostgreSQL's text cannot hold NUL, and Npgsql refuses a lone surrogate; text extracted from a hostile file can have
    // either. Dropping NUL and turning lone surrogates into U+FFFD (UTF-8's own replacement) loses nothing readable.
    internal static string Sanitize(string text)
    {
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            text = text.Replace("\0", "", StringComparison.Ordinal);
        }
        return text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0 ? Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)) : text;
    }
}
