using Npgsql;
using Pgvector;

namespace ChatPlatform.Ingestion.Retrieval;

/// <summary>
/// Finds the chunks of a user's files that answer a question two ways, by words (full text) and by meaning (cosine
/// distance of MiniLM vectors, HNSW), and fuses both lists by reciprocal rank: exact identifiers that a vector blurs
/// and paraphrases that share no word both come first. Within files of few chunks (<see cref="ExactSearchMaxChunks"/>)
/// the distances are exact, without the index; only the chunks chosen have their text read. Every query is restricted
/// to the user's own chunks of the given files, so passing another user's file ids finds nothing. By meaning, only chunks embedded by
/// <paramref name="embeddingModel"/> (the model the question was embedded with) are compared; chunks another model
/// embedded are still found by words.
/// </summary>
public sealed class HybridRetriever(
    NpgsqlDataSource dataSource, string embeddingModel = EmbeddingOptions.LocalModelKey, int exactSearchMaxChunks = HybridRetriever.ExactSearchMaxChunks)
{
    /// <summary>The k of reciprocal rank fusion (Cormack et al.): 60 keeps one list's top rank from drowning the other.</summary>
    public const int FusionK = 60;

    // Candidates each side contributes; a turn rarely spends its budget on more.
    private const int MaxCandidates = 200;

    // The HNSW search's candidate list: recall above 0.99 for top-50 at this size, about 1 ms more than the default 40.
    private const int EfSearch = 100;

    /// <summary>
    /// Up to this many chunks in the files searched, distances are computed for every one of them (exact, and a few
    /// milliseconds): the HNSW graph spans every user's chunks, and walking it for one file's 200 costs more.
    /// </summary>
    public const int ExactSearchMaxChunks = 2_000;

    // Counting stops past the limit: the files of a whole library must not be counted to learn that they are many.
    private const string CountSql = """
        SELECT count(*) FROM (SELECT FROM ingestion.chunks WHERE user_id = $1 AND file_id = ANY($2) LIMIT $3) counted
        """;

    // Chunks that share any of the question's words (OR: a question's words rarely all appear in one chunk), stop
    // words left out by the 'question_words' configuration (0002_create_chunks.sql), ranked by ts_rank normalised by
    // the chunk's length. (websearch_to_tsquery ANDs every word, and with 'simple' a question then matches almost nothing.)
    // The searches rank without the text: only the chunks that are chosen have theirs read (TextsSql).
    private const string ByWordsSql = """
        WITH question AS (
            SELECT to_tsquery('simple', string_agg(quote_literal(lexeme), ' | ')) AS query
            FROM unnest(tsvector_to_array(to_tsvector('ingestion.question_words'::regconfig, $3))) AS lexeme
        )
        SELECT c.file_id, c.ordinal, c.page, c.tokens
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
            SELECT file_id, ordinal, page, tokens, embedding <=> $3 AS distance
            FROM ingestion.chunks
            WHERE user_id = $1 AND file_id = ANY($2) AND embedding_model = $5
            ORDER BY embedding <=> $3
            LIMIT $4
        )
        SELECT file_id, ordinal, page, tokens FROM nearest ORDER BY distance, file_id, ordinal
        """;

    // The same, exact: a materialised set cannot be ordered by the HNSW index, so every chunk of the files is compared.
    private const string ByMeaningExactSql = """
        WITH mine AS MATERIALIZED (
            SELECT file_id, ordinal, page, tokens, embedding <=> $3 AS distance
            FROM ingestion.chunks
            WHERE user_id = $1 AND file_id = ANY($2) AND embedding_model = $5
        )
        SELECT file_id, ordinal, page, tokens FROM mine ORDER BY distance, file_id, ordinal LIMIT $4
        """;

    private const string TextsSql = """
        SELECT c.file_id, c.ordinal, c.text
        FROM ingestion.chunks c
        JOIN unnest($2::uuid[], $3::integer[]) AS chosen (file_id, ordinal) USING (file_id, ordinal)
        WHERE c.user_id = $1
        """;

    /// <summary>
    /// The best <paramref name="limit"/> chunks of <paramref name="fileIds"/> owned by <paramref name="userId"/> for
    /// <paramref name="query"/> (whose embedding is <paramref name="queryEmbedding"/>), best first.
    /// </summary>
    public Task<IReadOnlyList<RetrievedChunk>> SearchAsync(
        Guid userId, IReadOnlyCollection<Guid> fileIds, string query, ReadOnlyMemory<float> queryEmbedding, int limit,
        CancellationToken cancellationToken) =>
        SearchAsync(userId, fileIds, query, Task.FromResult(queryEmbedding), limit, int.MaxValue, cancellationToken);

    /// <summary>
    /// As above, with the question's embedding possibly still being computed (the search by words runs meanwhile, so a
    /// turn waits for the longer of the two, not their sum), and at most <paramref name="maxTokens"/> of text: best
    /// first while a chunk fits, so a smaller one further down may still fit where a larger one did not.
    /// </summary>
    public async Task<IReadOnlyList<RetrievedChunk>> SearchAsync(
        Guid userId, IReadOnlyCollection<Guid> fileIds, string query, Task<ReadOnlyMemory<float>> queryEmbedding, int limit, int maxTokens,
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
        long chunkCount;
        List<RetrievedChunk> byWords;
        await using (var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"SET LOCAL hnsw.ef_search = {EfSearch}"),
                new NpgsqlBatchCommand("SET LOCAL hnsw.iterative_scan = relaxed_order"),
                Command(CountSql, userId, files, (long)exactSearchMaxChunks + 1),
                Command(ByWordsSql, userId, files, query, candidates),
            },
        })
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            chunkCount = reader.GetInt64(0);
            await reader.NextResultAsync(cancellationToken);
            byWords = await ReadRanksAsync(reader, cancellationToken);
        }

        var vector = await queryEmbedding;
        if (vector.Length != EmbeddingOptions.ColumnDimensions)
        {
            throw new ArgumentException($"The query vector has {vector.Length} dimensions, not {EmbeddingOptions.ColumnDimensions}.", nameof(queryEmbedding));
        }
        List<RetrievedChunk> byMeaning;
        var byMeaningSql = chunkCount <= exactSearchMaxChunks ? ByMeaningExactSql : ByMeaningSql;
        await using (var byMeaningBatch = new NpgsqlBatch(connection, transaction) { BatchCommands = { Command(byMeaningSql, userId, files, new Vector(vector), candidates, embeddingModel) } })
        {
            await using var reader = await byMeaningBatch.ExecuteReaderAsync(cancellationToken);
            byMeaning = await ReadRanksAsync(reader, cancellationToken);
        }

        var chosen = WithinBudget(Fuse(byWords, byMeaning, limit), maxTokens);
        var texts = await ReadTextsAsync(connection, transaction, userId, chosen, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // A chunk deleted between the searches and the read (its file was just deleted) is left out.
        return [.. chosen.Where(c => texts.ContainsKey((c.FileId, c.Ordinal))).Select(c => c with { Text = texts[(c.FileId, c.Ordinal)] })];
    }

    private static List<RetrievedChunk> WithinBudget(IReadOnlyList<RetrievedChunk> ranked, int maxTokens)
    {
        var chosen = new List<RetrievedChunk>();
        foreach (var chunk in ranked)
        {
            if (chunk.Tokens <= maxTokens)
            {
                chosen.Add(chunk);
                maxTokens -= chunk.Tokens;
            }
        }
        return chosen;
    }

    private static async Task<Dictionary<(Guid, int), string>> ReadTextsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, List<RetrievedChunk> chosen, CancellationToken cancellationToken)
    {
        var texts = new Dictionary<(Guid, int), string>(chosen.Count);
        if (chosen.Count == 0)
        {
            return texts;
        }
        await using var command = new NpgsqlCommand(TextsSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = userId });
        command.Parameters.Add(new NpgsqlParameter { Value = chosen.Select(c => c.FileId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = chosen.Select(c => c.Ordinal).ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            texts[(reader.GetGuid(0), reader.GetInt32(1))] = reader.GetString(2);
        }
        return texts;
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

    // Ranks only: the text is read for the chosen chunks (ReadTextsAsync).
    private static async Task<List<RetrievedChunk>> ReadRanksAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var chunks = new List<RetrievedChunk>();
        while (await reader.ReadAsync(cancellationToken))
        {
            chunks.Add(new RetrievedChunk(reader.GetGuid(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), "", reader.GetInt32(3), 0));
        }
        return chunks;
    }
}
