using Npgsql;
using Pgvector;

namespace ChatPlatform.Ingestion.Retrieval;

/// <summary>
/// Finds the chunks of a user's files that answer a question two ways, by words (full text) and by meaning (cosine
/// distance of MiniLM vectors, HNSW), and fuses both lists by reciprocal rank: exact identifiers that a vector blurs
/// and paraphrases that share no word both come first. Every query is restricted to the user's own chunks of the
/// given files, so passing another user's file ids finds nothing. By meaning, only chunks embedded by
/// <paramref name="embeddingModel"/> (the model the question was embedded with) are compared; chunks another model
/// embedded are still found by words.
/// </summary>
public sealed class HybridRetriever(NpgsqlDataSource dataSource, string embeddingModel = EmbeddingOptions.LocalModelKey)
{
    /// <summary>The k of reciprocal rank fusion (Cormack et al.): 60 keeps one list's top rank from drowning the other.</summary>
    public const int FusionK = 60;

    // Candidates each side contributes; a turn rarely spends its budget on more.
    private const int MaxCandidates = 200;

    // The HNSW search's candidate list: recall above 0.99 for top-50 at this size, about 1 ms more than the default 40.
    private const int EfSearch = 100;

    // Chunks that share any of the question's words (OR: a question's words rarely all appear in one chunk), stop
    // words left out by the 'question_words' configuration (0002_create_chunks.sql), ranked by ts_rank normalised by
    // the chunk's length. (websearch_to_tsquery ANDs every word, and with 'simple' a question then matches almost nothing.)
    private const string ByWordsSql = """
        WITH question AS (
            SELECT to_tsquery('simple', string_agg(quote_literal(lexeme), ' | ')) AS query
            FROM unnest(tsvector_to_array(to_tsvector('ingestion.question_words'::regconfig, $3))) AS lexeme
        )
        SELECT c.file_id, c.ordinal, c.page, c.text, c.tokens
        FROM ingestion.chunks c, question
        WHERE c.user_id = $1 AND c.file_id = ANY($2) AND c.tsv @@ question.query
        ORDER BY ts_rank(c.tsv, question.query, 1) DESC, c.file_id, c.ordinal
        LIMIT $4
        """;

    // Iterative scans (pgvector 0.8) keep reading the HNSW graph until enough rows pass the user and file filter,
    // where a plain scan would stop after ef_search candidates, most of them other files'. Relaxed order may return
    // rows slightly out of order, hence the outer ORDER BY over the materialised list.
    private const string ByMeaningSql = """
        WITH nearest AS MATERIALIZED (
            SELECT file_id, ordinal, page, text, tokens, embedding <=> $3 AS distance
            FROM ingestion.chunks
            WHERE user_id = $1 AND file_id = ANY($2) AND embedding_model = $5
            ORDER BY embedding <=> $3
            LIMIT $4
        )
        SELECT file_id, ordinal, page, text, tokens FROM nearest ORDER BY distance, file_id, ordinal
        """;

    /// <summary>
    /// The best <paramref name="limit"/> chunks of <paramref name="fileIds"/> owned by <paramref name="userId"/> for
    /// <paramref name="query"/> (whose embedding is <paramref name="queryEmbedding"/>), best first.
    /// </summary>
    public Task<IReadOnlyList<RetrievedChunk>> SearchAsync(
        Guid userId, IReadOnlyCollection<Guid> fileIds, string query, ReadOnlyMemory<float> queryEmbedding, int limit,
        CancellationToken cancellationToken) =>
        SearchAsync(userId, fileIds, query, Task.FromResult(queryEmbedding), limit, cancellationToken);

    /// <summary>
    /// As above, with the question's embedding possibly still being computed: the search by words runs meanwhile, so a
    /// turn waits for the longer of the two, not their sum.
    /// </summary>
    public async Task<IReadOnlyList<RetrievedChunk>> SearchAsync(
        Guid userId, IReadOnlyCollection<Guid> fileIds, string query, Task<ReadOnlyMemory<float>> queryEmbedding, int limit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fileIds);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(queryEmbedding);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        if (fileIds.Count == 0)
        {
            return [];
        }
        var candidates = Math.Min(limit, MaxCandidates);
        var files = fileIds.Distinct().ToArray();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // SET LOCAL needs a transaction; it keeps the settings from outliving this search on the pooled connection.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        List<RetrievedChunk> byWords;
        await using (var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"SET LOCAL hnsw.ef_search = {EfSearch}"),
                new NpgsqlBatchCommand("SET LOCAL hnsw.iterative_scan = relaxed_order"),
                Command(ByWordsSql, userId, files, query, candidates),
            },
        })
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            byWords = await ReadAsync(reader, cancellationToken);
        }

        var vector = await queryEmbedding;
        if (vector.Length != EmbeddingOptions.ColumnDimensions)
        {
            throw new ArgumentException($"The query vector has {vector.Length} dimensions, not {EmbeddingOptions.ColumnDimensions}.", nameof(queryEmbedding));
        }
        List<RetrievedChunk> byMeaning;
        await using (var byMeaningBatch = new NpgsqlBatch(connection, transaction) { BatchCommands = { Command(ByMeaningSql, userId, files, new Vector(vector), candidates, embeddingModel) } })
        {
            await using var reader = await byMeaningBatch.ExecuteReaderAsync(cancellationToken);
            byMeaning = await ReadAsync(reader, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);

        return Fuse(byWords, byMeaning, limit);
    }

    /// <summary>Reciprocal rank fusion: each list gives a chunk 1/(k + rank); ties go to document order.</summary>
    internal static IReadOnlyList<RetrievedChunk> Fuse(IReadOnlyList<RetrievedChunk> first, IReadOnlyList<RetrievedChunk> second, int limit)
    {
        var scores = new Dictionary<(Guid, int), RetrievedChunk>();
        foreach (var list in (ReadOnlySpan<IReadOnlyList<RetrievedChunk>>)[first, second])
        {
            for (var rank = 1; rank <= list.Count; rank++)
            {
                var chunk = list[rank - 1];
                var key = (chunk.FileId, chunk.Ordinal);
                var score = 1.0 / (FusionK + rank);
                scores[key] = scores.TryGetValue(key, out var seen) ? seen with { Score = seen.Score + score } : chunk with { Score = score };
            }
        }
        return scores.Values
            .OrderByDescending(c => c.Score)
            .ThenBy(c => c.FileId)
            .ThenBy(c => c.Ordinal)
            .Take(limit)
            .ToList();
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        return command;
    }

    private static async Task<List<RetrievedChunk>> ReadAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var chunks = new List<RetrievedChunk>();
        while (await reader.ReadAsync(cancellationToken))
        {
            chunks.Add(new RetrievedChunk(
                reader.GetGuid(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.GetString(3), reader.GetInt32(4), 0));
        }
        return chunks;
    }
}
