using System.Diagnostics;
using System.Globalization;
using ChatPlatform.Ingestion.Retrieval;
using ChatPlatform.Postgres;
using ChatPlatform.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Pgvector;

namespace ChatPlatform.Bench;

/// <summary>
/// Ingestion's retrieval on a real PostgreSQL with pgvector: hybrid search latency over 100,000 chunks (random unit
/// vectors for the index, sentences of real words for full text) for a turn's 2 files (exact, and through the index
/// beside it), 10 files and all 200; the
/// pipeline's chunk store into the indexed table; then MiniLM's embedding throughput on chunk-sized texts.
/// </summary>
public static class RetrievalBenchmark
{
    private const int Chunks = 100_000;
    private const int Files = 200;
    private const int ChunksPerFile = Chunks / Files;
    private const int Queries = 200;

    // Text with the shape of real text: the most frequent words are real stop words, then content words, then a long
    // tail, drawn by Zipf's law (the r-th word about 1/r as often as the first), so a few words are in every chunk and
    // most in few, as GIN and ts_rank meet them in documents.
    private static readonly string[] Vocabulary =
    [
        "the", "of", "and", "to", "a", "in", "is", "for", "that", "on", "with", "as", "by", "at", "from", "this", "be", "are",
        "invoice", "customer", "shipping", "refund", "policy", "contract", "payment", "server", "header", "request",
        "response", "timeout", "quarter", "revenue", "budget", "employee", "holiday", "security", "password", "network",
        "database", "index", "report", "meeting", "deadline", "project", "release", "feature", "warehouse", "delivery",
        .. Enumerable.Range(0, 20_000).Select(i => $"term{i}"),
    ];

    private static readonly double[] Cumulative = BuildZipf();

    public static async Task RunAsync(string[] args)
    {
        await using var fixture = new PostgresFixture();
        await fixture.InitializeAsync();
        var connectionString = await fixture.CreateDatabaseAsync();
        await using (var migrations = NpgsqlDataSource.Create(connectionString))
        {
            await new SchemaMigrator(migrations, "ingestion", EmbeddedMigrations.Load(typeof(ChunkStore).Assembly)).MigrateAsync();
        }
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.UseVector();
        await using var dataSource = builder.Build();
        Console.WriteLine($"PostgreSQL 15 local (fsync off), pgvector 0.8.0, {Environment.ProcessorCount} cores, client and server on the same machine");

        var random = new Random(17);
        var files = await LoadAsync(dataSource, random);
        var retriever = new HybridRetriever(dataSource);

        Console.WriteLine();
        Console.WriteLine($"{"hybrid search, top 20, " + Queries + " queries each",-58} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8}");
        // One owner for every chunk: the user filter removes nothing, so only the file filter narrows the search.
        var user = files[0].User;
        var ids = files.Select(f => f.Id).ToArray();
        await MeasureAsync($"a turn's 2 files ({2 * ChunksPerFile:N0} of {Chunks:N0} chunks), exact", retriever, user, ids[..2], random);
        // The same through the HNSW index, as files past HybridRetriever.ExactSearchMaxChunks are searched.
        await MeasureAsync($"a turn's 2 files, through the index", new HybridRetriever(dataSource, exactSearchMaxChunks: 0), user, ids[..2], random);
        await MeasureAsync($"10 files ({10 * ChunksPerFile:N0} of {Chunks:N0} chunks)", retriever, user, ids[..10], random);
        await MeasureAsync($"all {Files} files (all {Chunks:N0} chunks)", retriever, user, ids, random);

        Console.WriteLine();
        await MeasureEmbeddingsAsync();
    }

    private static async Task<List<(Guid Id, Guid User)>> LoadAsync(NpgsqlDataSource dataSource, Random random)
    {
        var owner = Guid.NewGuid();
        var files = Enumerable.Range(0, Files).Select(_ => (Id: Guid.CreateVersion7(), User: owner)).ToList();
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var (id, user) in files)
        {
            await using var insert = new NpgsqlCommand(
                "INSERT INTO ingestion.files (id, user_id, name, media_type, kind, size_bytes, sha256, blob_name, status) VALUES ($1, $2, 'f.pdf', 'application/pdf', 'document', 1, 'x', 'files/x', 'ready')",
                connection);
            insert.Parameters.Add(new NpgsqlParameter { Value = id });
            insert.Parameters.Add(new NpgsqlParameter { Value = user });
            await insert.ExecuteNonQueryAsync();
        }

        // Building the index once over the loaded rows is how a bulk load is done; per-row inserts are measured below.
        await Execute(connection, "DROP INDEX ingestion.chunks_embedding");
        var stopwatch = Stopwatch.StartNew();
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY ingestion.chunks (file_id, user_id, ordinal, page, text, tokens, embedding) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (id, user) in files)
            {
                for (var ordinal = 0; ordinal < ChunksPerFile; ordinal++)
                {
                    var text = Sentence(random, 60);
                    await writer.StartRowAsync();
                    await writer.WriteAsync(id, NpgsqlDbType.Uuid);
                    await writer.WriteAsync(user, NpgsqlDbType.Uuid);
                    await writer.WriteAsync(ordinal, NpgsqlDbType.Integer);
                    await writer.WriteAsync(ordinal / 3 + 1, NpgsqlDbType.Integer);
                    await writer.WriteAsync(text, NpgsqlDbType.Text);
                    await writer.WriteAsync(text.Length / 4, NpgsqlDbType.Integer);
                    await writer.WriteAsync(new Vector(UnitVector(random)), "vector");
                }
            }
            await writer.CompleteAsync();
        }
        var copied = stopwatch.Elapsed;
        stopwatch.Restart();
        await Execute(connection, "SET maintenance_work_mem = '512MB'");
        await Execute(connection, "CREATE INDEX chunks_embedding ON ingestion.chunks USING hnsw (embedding vector_cosine_ops)");
        await Execute(connection, "ANALYZE ingestion.chunks");
        Console.WriteLine($"loaded {Chunks:N0} chunks ({Files} files of {ChunksPerFile}) by COPY in {copied.TotalSeconds:0.0} s; "
            + $"HNSW index (m 16, ef_construction 64) built in {stopwatch.Elapsed.TotalSeconds:0.0} s");

        // The pipeline's path: ChunkStore replacing one 500-chunk file, HNSW maintained row by row, in one transaction.
        var extra = await InsertFileAsync(connection, owner);
        stopwatch.Restart();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var chunks = Enumerable.Range(0, ChunksPerFile).Select(i =>
            {
                var text = Sentence(random, 60);
                return new EmbeddedChunk(new Ingestion.Extraction.TextChunk(i, 1, text, text.Length / 4), UnitVector(random));
            }).ToList();
            await new ChunkStore().ReplaceAsync(transaction, extra, chunks, CancellationToken.None);
            await transaction.CommitAsync();
        }
        Console.WriteLine($"ChunkStore.ReplaceAsync of a {ChunksPerFile}-chunk file into the indexed table: {stopwatch.Elapsed.TotalMilliseconds:N0} ms "
            + $"({ChunksPerFile / stopwatch.Elapsed.TotalSeconds:N0} chunks/s)");
        return files;
    }

    private static async Task MeasureAsync(string label, HybridRetriever retriever, Guid user, Guid[] fileIds, Random random)
    {
        for (var i = 0; i < 10; i++)
        {
            await retriever.SearchAsync(user, fileIds, Sentence(random, 8), UnitVector(random), 20, CancellationToken.None);
        }
        var timings = new double[Queries];
        var found = 0;
        for (var i = 0; i < Queries; i++)
        {
            var query = Sentence(random, 8);
            var vector = UnitVector(random);
            var started = Stopwatch.GetTimestamp();
            var result = await retriever.SearchAsync(user, fileIds, query, vector, 20, CancellationToken.None);
            timings[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            found += result.Count;
        }
        Array.Sort(timings);
        Console.WriteLine($"{label,-58} {Percentile(timings, 0.50),8:0.00} {Percentile(timings, 0.95),8:0.00} {Percentile(timings, 0.99),8:0.00}"
            + $"   ({found / (double)Queries:0.0} results a query)");
    }

    /// <summary>
    /// MiniLM's embedding, as ingestion configures it (<c>Embeddings:IntraOpThreads</c>) beside ONNX Runtime's defaults
    /// (a spinning thread per core) and two threads, in one run: chunk throughput, then one question at a time, the
    /// settings taking turns question by question so that background load falls on each alike. Also <c>embedding</c> alone.
    /// </summary>
    public static async Task MeasureEmbeddingsAsync(string[]? args = null)
    {
        int[] settings = [0, 1, 2];
        var generators = settings.Select(threads => new MiniLmEmbeddingGenerator(
            Options.Create(new EmbeddingOptions { IntraOpThreads = threads }), NullLogger<MiniLmEmbeddingGenerator>.Instance)).ToArray();
        try
        {
            var random = new Random(5);
            var stopwatch = Stopwatch.StartNew();
            foreach (var generator in generators)
            {
                stopwatch.Restart();
                await generator.GenerateVectorAsync("warm up");
            }
            Console.WriteLine($"MiniLM (all-MiniLM-L6-v2, ONNX Runtime, CPU) loaded and first text embedded in {stopwatch.Elapsed.TotalMilliseconds:N0} ms");
            static string Name(int threads) => threads == 0 ? "runtime default threads (spinning)" : $"{threads} intra-op thread(s), no spinning";

            // The chunker's chunks are about 400 tokens (1,600 characters); the model reads the first 256 word pieces of each.
            var chunks = Enumerable.Range(0, 128).Select(_ => Sentence(random, 250)).ToList();
            for (var g = 0; g < generators.Length; g++)
            {
                stopwatch.Restart();
                await generators[g].GenerateAsync(chunks);
                Console.WriteLine($"{Name(settings[g]),-40} embedded {chunks.Count} chunk-sized texts in batches of 32: "
                    + $"{chunks.Count / stopwatch.Elapsed.TotalSeconds:N1} chunks/s");
            }

            const int Questions = 300;
            var timings = settings.Select(_ => new double[Questions]).ToArray();
            for (var i = 0; i < Questions; i++)
            {
                var question = Sentence(random, 12);
                for (var k = 0; k < generators.Length; k++)
                {
                    // Each in turn goes first.
                    var g = (i + k) % generators.Length;
                    var started = Stopwatch.GetTimestamp();
                    await generators[g].GenerateVectorAsync(question);
                    timings[g][i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            }
            for (var g = 0; g < generators.Length; g++)
            {
                Array.Sort(timings[g]);
                Console.WriteLine($"{Name(settings[g]),-40} one 12-word question: p50 {Percentile(timings[g], 0.50):0.00} ms, "
                    + $"p95 {Percentile(timings[g], 0.95):0.00} ms ({Questions} each, taking turns)");
            }
        }
        finally
        {
            foreach (var generator in generators)
            {
                generator.Dispose();
            }
        }
    }

    private static async Task<Guid> InsertFileAsync(NpgsqlConnection connection, Guid user)
    {
        var id = Guid.CreateVersion7();
        await using var insert = new NpgsqlCommand(
            "INSERT INTO ingestion.files (id, user_id, name, media_type, kind, size_bytes, sha256, blob_name, status) VALUES ($1, $2, 'g.pdf', 'application/pdf', 'document', 1, 'y', 'files/y', 'processing')",
            connection);
        insert.Parameters.Add(new NpgsqlParameter { Value = id });
        insert.Parameters.Add(new NpgsqlParameter { Value = user });
        await insert.ExecuteNonQueryAsync();
        return id;
    }

    private static string Sentence(Random random, int words) =>
        string.Join(' ', Enumerable.Range(0, words).Select(_ => Vocabulary[Zipf(random)]));

    private static int Zipf(Random random)
    {
        var index = Array.BinarySearch(Cumulative, random.NextDouble() * Cumulative[^1]);
        return Math.Min(index < 0 ? ~index : index, Cumulative.Length - 1);
    }

    private static double[] BuildZipf()
    {
        var cumulative = new double[Vocabulary.Length];
        var sum = 0.0;
        for (var rank = 1; rank <= cumulative.Length; rank++)
        {
            sum += 1.0 / rank;
            cumulative[rank - 1] = sum;
        }
        return cumulative;
    }

    private static float[] UnitVector(Random random)
    {
        var vector = new float[EmbeddingOptions.ColumnDimensions];
        double norm = 0;
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] = (float)(random.NextDouble() * 2 - 1);
            norm += vector[i] * vector[i];
        }
        var scale = (float)(1 / Math.Sqrt(norm));
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] *= scale;
        }
        return vector;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.CommandTimeout = 600;
        await command.ExecuteNonQueryAsync();
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
