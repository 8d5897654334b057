using System.Diagnostics;
using System.Globalization;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using ChatPlatform.Ingestion.Retrieval;
using ChatPlatform.Postgres;
using ChatPlatform.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Pgvector;

namespace ChatPlatform.Bench;

/// <summary>
/// Search with matches by meaning on and off over the same corpus (<c>search semantic [users] [messages per user]</c>,
/// default 100 x 1,000): every entry carries a real all-MiniLM-L6-v2 vector (embedding a million texts would take hours
/// here, so each entry gets one of 512 vectors of the corpus's own sentences, which keeps distances as a real corpus's:
/// many entries within the bound), the HNSW index built after. Each query runs through <see cref="SearchStore"/> for a
/// random user, words only and then words and meaning with the query's vector made beforehand, alternating in rounds so
/// that the machine's noise falls on both; the query's embedding (in-process MiniLM, what ingestion does per search) is
/// timed on its own. Only the store's time: HTTP and the hop to ingestion are not in it.
/// </summary>
public static partial class SearchBenchmark
{
    private const int VectorPool = 512;
    private const int Rounds = 3;
    private const int SamplesPerRound = 100;
    private const double MaxDistance = 0.6;

    private static async Task RunSemanticAsync(string[] args)
    {
        var users = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
        var perUser = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000;
        await using var fixture = new PostgresFixture();
        await fixture.InitializeAsync();
        var connectionString = await fixture.CreateDatabaseAsync();
        Console.WriteLine($"PostgreSQL 15 local, durable: false, {Environment.ProcessorCount} cores, client and server on the same machine");
        var timing = new Timing(new(), new());
        using var host = BuildHost(connectionString, timing);
        await host.StartAsync();
        var migrations = host.Services.GetRequiredService<MigrationStatus>();
        await migrations.WhenAppliedAsync("events");
        await migrations.WhenAppliedAsync("chat");
        var db = host.Services.GetRequiredService<NpgsqlDataSource>();
        using var model = new MiniLmEmbeddingGenerator(Options.Create(new EmbeddingOptions()), NullLogger<MiniLmEmbeddingGenerator>.Instance);

        var load = Stopwatch.StartNew();
        var userIds = await FillAsync(db, users, perUser);
        var filled = load.Elapsed;
        await EmbedCorpusAsync(db, model);
        Console.WriteLine($"{(long)users * perUser:N0} messages of {users:N0} users: COPY and full-text index {filled.TotalSeconds:0} s, "
            + $"vectors and HNSW index {(load.Elapsed - filled).TotalSeconds:0} s; "
            + $"{await CountAsync(db, "SELECT pg_relation_size('chat.search_entries_embedding')") / 1_048_576.0:0} MB HNSW index");

        var search = host.Services.GetRequiredService<SearchStore>();
        var queries = new (string Name, string Q, ConversationFilter Filter)[]
        {
            ("common word: data", "data", ConversationFilter.None),
            ("two words: kubernetes deployment", "kubernetes deployment", ConversationFilter.None),
            ("rare word: w4711", "w4711", ConversationFilter.None),
            ("no shared word: automobile repair", "automobile repair", ConversationFilter.None),
            ("two words, model=gpt-4o", "kubernetes deployment", ConversationFilter.None with { Model = "gpt-4o" }),
        };
        Console.WriteLine($"store time per search, one random user each time, {Rounds} rounds x {SamplesPerRound} each way, alternating; "
            + "p50 / p95 ms per round, then all rounds");
        Console.WriteLine($"{"query",-38} {"words only p50/p95",-22} {"+ meaning p50/p95",-22} {"p95 ratio",9} {"hits off/on",12}");
        foreach (var (name, q, filter) in queries)
        {
            var vector = (await model.GenerateAsync([q])).Single().Vector.ToArray();
            var query = new QueryVector(EmbeddingOptions.LocalModelKey, vector);
            var random = new Random(5);
            var off = new List<double>();
            var on = new List<double>();
            var hitsOff = 0;
            var hitsOn = 0;
            for (var round = 0; round < Rounds; round++)
            {
                var roundOff = await SampleAsync(() => userIds[random.Next(userIds.Count)], async user =>
                    hitsOff += (await search.SearchAsync(user, new SearchRequest(q, filter, SearchRules.DefaultPageSize, null), null, MaxDistance, CancellationToken.None)).Items.Count);
                var roundOn = await SampleAsync(() => userIds[random.Next(userIds.Count)], async user =>
                    hitsOn += (await search.SearchAsync(user, new SearchRequest(q, filter, SearchRules.DefaultPageSize, null), query, MaxDistance, CancellationToken.None)).Items.Count);
                off.AddRange(roundOff);
                on.AddRange(roundOn);
                Console.WriteLine($"  round {round + 1}: {name,-28} {Pair(roundOff),-22} {Pair(roundOn),-22} {Ratio(roundOff, roundOn),9}");
            }
            Console.WriteLine($"{name,-38} {Pair(off),-22} {Pair(on),-22} {Ratio(off, on),9} "
                + $"{hitsOff / (double)(Rounds * (SamplesPerRound + 5)),5:0.0}/{hitsOn / (double)(Rounds * (SamplesPerRound + 5)),-5:0.0}");
        }
        var embedTimes = await SampleAsync(() => Guid.Empty, async _ => await model.GenerateAsync(["automobile repair near me"]));
        Console.WriteLine($"{"embedding the query (MiniLM in-process)",-38} {Pair(embedTimes),-22}");
        await host.StopAsync();
    }

    /// <summary>
    /// Gives every entry one of <see cref="VectorPool"/> real vectors (of the corpus's own sentences, by a hash of its id)
    /// and builds the HNSW index after, as a bulk load would.
    /// </summary>
    private static async Task EmbedCorpusAsync(NpgsqlDataSource db, IEmbeddingGenerator<string, Embedding<float>> model)
    {
        var random = new Random(7);
        var sentences = Enumerable.Range(0, VectorPool).Select(_ => Sentence(random)).ToList();
        var vectors = await model.GenerateAsync(sentences);
        await ExecuteAsync(db, "DROP INDEX chat.search_entries_embedding; CREATE UNLOGGED TABLE chat.bench_vectors (slot integer PRIMARY KEY, embedding public.vector(384))");
        await using (var batch = db.CreateBatch())
        {
            for (var i = 0; i < vectors.Count; i++)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO chat.bench_vectors VALUES ($1, $2)")
                {
                    Parameters = { new() { Value = i }, new() { Value = new Vector(vectors[i].Vector) } },
                });
            }
            await batch.ExecuteNonQueryAsync();
        }
        await ExecuteAsync(db, $"""
            UPDATE chat.search_entries e SET embedding = v.embedding, embedding_model = '{EmbeddingOptions.LocalModelKey}'
            FROM chat.bench_vectors v WHERE v.slot = abs(hashtext(e.id::text)) % {VectorPool};
            SET maintenance_work_mem = '1GB';
            CREATE INDEX search_entries_embedding ON chat.search_entries USING hnsw (embedding public.vector_cosine_ops);
            DROP TABLE chat.bench_vectors;
            VACUUM ANALYZE chat.search_entries
            """);
    }

    private static async Task<double[]> SampleAsync(Func<Guid> user, Func<Guid, Task> read)
    {
        for (var i = 0; i < 5; i++)
        {
            await read(user());
        }
        var times = new double[SamplesPerRound];
        for (var i = 0; i < times.Length; i++)
        {
            var who = user();
            var started = Stopwatch.GetTimestamp();
            await read(who);
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        Array.Sort(times);
        return times;
    }

    private static string Pair(IEnumerable<double> times)
    {
        var sorted = times.Order().ToArray();
        return $"{Percentile(sorted, 0.5),7:F2} / {Percentile(sorted, 0.95),7:F2}";
    }

    private static string Ratio(IEnumerable<double> off, IEnumerable<double> on) =>
        $"{Percentile(on.Order().ToArray(), 0.95) / Percentile(off.Order().ToArray(), 0.95),8:F2}x";
}
