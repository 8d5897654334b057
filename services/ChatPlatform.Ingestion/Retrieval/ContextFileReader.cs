using Npgsql;

namespace ChatPlatform.Ingestion.Retrieval;

/// <summary>A file as the context needs it: its row in <c>ingestion.files</c> and how many tokens its chunks hold.</summary>
public sealed record ContextFileRow(
    Guid Id, string Name, string MediaType, string Kind, string Status, string BlobName, long SizeBytes, int? Width, int? Height, int Tokens);

/// <summary>A stored chunk in document order.</summary>
public sealed record StoredChunk(Guid FileId, int Ordinal, int? Page, string Text, int Tokens);

/// <summary>Reads a user's files and chunks for the context; every query is scoped to the user, whatever ids it is given.</summary>
public sealed class ContextFileReader(NpgsqlDataSource dataSource)
{
    private const string FilesSql = """
        SELECT f.id, f.name, f.media_type, f.kind, f.status, f.blob_name, f.size_bytes, f.width, f.height,
               coalesce((SELECT sum(c.tokens) FROM ingestion.chunks c WHERE c.file_id = f.id AND c.user_id = f.user_id), 0)::int
        FROM ingestion.files f
        WHERE f.user_id = $1 AND f.id = ANY($2)
        """;

    private const string ChunksSql = """
        SELECT file_id, ordinal, page, text, tokens
        FROM ingestion.chunks
        WHERE user_id = $1 AND file_id = ANY($2)
        ORDER BY file_id, ordinal
        """;

    private const string LeadingChunksSql = """
        SELECT file_id, ordinal, page, text, tokens
        FROM (
            SELECT file_id, ordinal, page, text, tokens, sum(tokens) OVER (ORDER BY ordinal) AS spent
            FROM ingestion.chunks
            WHERE user_id = $1 AND file_id = $2
        ) leading
        WHERE spent <= $3
        ORDER BY ordinal
        """;

    public async Task<IReadOnlyList<ContextFileRow>> ReadFilesAsync(Guid userId, IReadOnlyList<Guid> fileIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(FilesSql);
        command.Parameters.Add(new NpgsqlParameter { Value = userId });
        command.Parameters.Add(new NpgsqlParameter { Value = fileIds.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var files = new List<ContextFileRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            files.Add(new ContextFileRow(
                reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetInt32(8), reader.GetInt32(9)));
        }
        return files;
    }

    /// <summary>All chunks of the user's <paramref name="fileIds"/>, by file and in document order.</summary>
    public async Task<IReadOnlyList<StoredChunk>> ReadChunksAsync(Guid userId, IReadOnlyList<Guid> fileIds, CancellationToken cancellationToken)
    {
        if (fileIds.Count == 0)
        {
            return [];
        }
        await using var command = dataSource.CreateCommand(ChunksSql);
        command.Parameters.Add(new NpgsqlParameter { Value = userId });
        command.Parameters.Add(new NpgsqlParameter { Value = fileIds.ToArray() });
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>The chunks one of the user's files begins with, as many as <paramref name="maxTokens"/> holds.</summary>
    public async Task<IReadOnlyList<StoredChunk>> ReadLeadingChunksAsync(Guid userId, Guid fileId, int maxTokens, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(LeadingChunksSql);
        command.Parameters.Add(new NpgsqlParameter { Value = userId });
        command.Parameters.Add(new NpgsqlParameter { Value = fileId });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)maxTokens });
        return await ReadAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<StoredChunk>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var chunks = new List<StoredChunk>();
        while (await reader.ReadAsync(cancellationToken))
        {
            chunks.Add(new StoredChunk(reader.GetGuid(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.GetString(3), reader.GetInt32(4)));
        }
        return chunks;
    }
}
