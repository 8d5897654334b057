using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using ChatPlatform.EventLog;
using ChatPlatform.Postgres;
using ChatPlatform.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace ChatPlatform.Bench;

/// <summary>
/// Chat's full-text search on a real PostgreSQL (docs/conversations.md, Search): (1) search over users x messages rows
/// (messages written with binary COPY, 100 to a conversation, the index built from them as the consumer would), each
/// typical query timed for random users through <see cref="SearchStore"/> (the SQL the API runs, without HTTP);
/// (2) index lag: a user message committed through <see cref="ConversationStore"/> (its event in the same transaction)
/// to its row committed in the index by the chat-search consumer, as the service wires it.
/// Arguments: users (default 1,000), messages per user (default 1,000); or <c>semantic [users] [messages per user]</c>
/// for search with matches by meaning on and off, side by side (SearchBenchmark.Semantic.cs).
/// </summary>
public static partial class SearchBenchmark
{
    private const int LagRate = 50;
    private static readonly TimeSpan LagPhase = TimeSpan.FromSeconds(10);
    private const int MessagesPerConversation = 100;
    private static readonly string[] Models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet"];

    // A Zipf-like vocabulary: the first words are common, the numbered tail rare; some code identifiers mixed in.
    private static readonly string[] Common =
    [
        "the", "a", "to", "and", "of", "in", "is", "it", "for", "that", "with", "on", "this", "how", "can", "you", "what", "be",
        "use", "data", "code", "function", "error", "file", "table", "query", "server", "user", "request", "response", "value",
        "list", "string", "number", "model", "test", "build", "project", "service", "database", "index", "cache", "memory",
        "running", "runs", "deploy", "deployment", "kubernetes", "docker", "python", "javascript", "csharp", "postgres", "redis",
        "report", "meeting", "budget", "quarterly", "invoice", "customer", "travel", "recipe", "garden", "holiday", "weather",
        "Häuser", "château", "estación", "niña", "HttpClientFactory", "snake_case_name", "System.Text.Json", "useEffect",
    ];

    public static async Task RunAsync(string[] args)
    {
        if (args.FirstOrDefault() == "semantic")
        {
            await RunSemanticAsync(args[1..]);
            return;
        }
        var users = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000;
        var perUser = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000;
        await using var fixture = new PostgresFixture();
        await fixture.InitializeAsync();
        var connectionString = await fixture.CreateDatabaseAsync();
        Console.WriteLine($"PostgreSQL 15 local, durable: false, {Environment.ProcessorCount} cores, client and server on the same machine");

        var timing = new Timing(new ConcurrentDictionary<Guid, long>(), new ConcurrentBag<double>());
        using var host = BuildHost(connectionString, timing);
        await host.StartAsync();
        var migrations = host.Services.GetRequiredService<MigrationStatus>();
        await migrations.WhenAppliedAsync("events");
        await migrations.WhenAppliedAsync("chat");
        var db = host.Services.GetRequiredService<NpgsqlDataSource>();

        var load = Stopwatch.StartNew();
        var userIds = await FillAsync(db, users, perUser);
        Console.WriteLine($"{(long)users * perUser:N0} messages of {users:N0} users ({MessagesPerConversation} to a conversation): COPY and index in "
            + $"{load.Elapsed.TotalSeconds:0} s; {await CountAsync(db, "SELECT count(*) FROM chat.search_entries"):N0} index rows, "
            + $"{await CountAsync(db, "SELECT pg_relation_size('chat.search_entries_document')") / 1_048_576.0:0} MB GIN index");

        var search = host.Services.GetRequiredService<SearchStore>();
        var random = new Random(11);
        Console.WriteLine($"{"search (one random user each time, 200 times, warm)",-58} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8} {"hits",6}");
        foreach (var (name, q, filter) in new (string, string, ConversationFilter)[]
        {
            ("common word: data", "data", ConversationFilter.None),
            ("stemmed word: run (finds runs, running)", "run", ConversationFilter.None),
            ("two words: kubernetes deployment", "kubernetes deployment", ConversationFilter.None),
            ("phrase: \"memory cache\"", "\"memory cache\"", ConversationFilter.None),
            ("OR and -word: invoice OR budget -meeting", "invoice OR budget -meeting", ConversationFilter.None),
            ("identifier part: client factory", "client factory", ConversationFilter.None),
            ("rare word: w4711", "w4711", ConversationFilter.None),
            ("common word in one model: data, model=gpt-4o", "data", ConversationFilter.None with { Model = "gpt-4o" }),
            ("archived too: quarterly report, archived=true", "quarterly report", ConversationFilter.None with { Archived = true }),
        })
        {
            var hits = 0;
            await TimeAsync(name, async () =>
            {
                var page = await search.SearchAsync(userIds[random.Next(userIds.Count)], new SearchRequest(q, filter, SearchRules.DefaultPageSize, null), null, 0.6, CancellationToken.None);
                hits += page.Items.Count;
            }, () => hits / 205);
        }

        await PrintPlanAsync(db, userIds[0], "data");

        var lags = await MeasureLagAsync(host.Services, userIds, timing);
        Console.WriteLine();
        Console.WriteLine($"index lag, {LagRate} user messages/s for {LagPhase.TotalSeconds:0} s, {lags.Length:N0} messages "
            + "(from the message's COMMIT to its index row committed by the chat-search consumer):");
        Console.WriteLine($"  p50 {Percentile(lags, 0.50):0.0} ms   p95 {Percentile(lags, 0.95):0.0} ms   p99 {Percentile(lags, 0.99):0.0} ms   "
            + $"max {(lags.Length == 0 ? 0 : lags[^1]):0.0} ms   (target p99 < 2 s)");
        await host.StopAsync();
    }

    /// <summary>Where a common word's search spends its time: the plan of the query the API runs, with its timings.</summary>
    private static async Task PrintPlanAsync(NpgsqlDataSource db, Guid userId, string q)
    {
        await using var command = db.CreateCommand("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + SearchStore.QueryText);
        object[] values = [userId, q, DBNull.Value, false, DBNull.Value, DBNull.Value, DBNull.Value, DBNull.Value, false, DBNull.Value, DBNull.Value, SearchRules.DefaultPageSize + 1];
        NpgsqlDbType[] types = [NpgsqlDbType.Uuid, NpgsqlDbType.Text, NpgsqlDbType.Uuid, NpgsqlDbType.Boolean, NpgsqlDbType.Text, NpgsqlDbType.Text,
            NpgsqlDbType.TimestampTz, NpgsqlDbType.TimestampTz, NpgsqlDbType.Boolean, NpgsqlDbType.Double, NpgsqlDbType.Uuid, NpgsqlDbType.Integer];
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = values[i], NpgsqlDbType = types[i] });
        }
        // Words only: no query vector, so the meaning side reads nothing.
        command.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value, DataTypeName = "vector" });
        command.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = 0.6 });
        Console.WriteLine();
        Console.WriteLine($"plan of q={q} for one user:");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            Console.WriteLine("  " + reader.GetString(0));
        }
    }

    private static IHost BuildHost(string connectionString, Timing timing)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:chatdb"] = connectionString });
        // Chat's store and search consumer as the service wires them, without its HTTP API.
        builder.AddChatDatabase("chat", typeof(SearchStore).Assembly);
        builder.ConfigureChatDataSource(data => data.UseVector());
        builder.AddEventLog();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ConversationStore>();
        builder.Services.AddSingleton<SearchStore>();
        builder.Services.AddSingleton<SearchIndexStore>();
        builder.Services.AddScoped<SearchIndexer>();
        // The indexer wakes the embedder; here no loop runs (the semantic bench gives vectors in bulk), so a wake does nothing.
        builder.Services.AddOptions<SearchOptions>().Configure(options => options.Semantic = false);
        builder.Services.AddHttpClient();
        builder.Services.AddSingleton<IngestionClient>();
        builder.Services.AddSingleton<SearchEmbeddingStore>();
        builder.Services.AddSingleton<SearchEmbedder>();
        builder.Services.AddSingleton(timing);
        builder.AddEventConsumer<TimedIndexer>(SearchIndexer.ConsumerName);
        return builder.Build();
    }

    private static async Task<double[]> MeasureLagAsync(IServiceProvider services, List<Guid> userIds, Timing timing)
    {
        var store = services.GetRequiredService<ConversationStore>();
        var conversations = new List<(Guid User, Guid Conversation)>();
        foreach (var user in userIds.Take(20))
        {
            var conversation = await store.CreateAsync(user, new CreateConversationRequest("gpt-4o", null, "Lag"), CancellationToken.None);
            conversations.Add((user, conversation.Id));
        }
        const int producers = 2;
        var interval = TimeSpan.FromSeconds(producers / (double)LagRate);
        var sent = 0;
        using var stop = new CancellationTokenSource(LagPhase);
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            var random = new Random(p);
            using var timer = new PeriodicTimer(interval);
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token))
                {
                    var (user, conversation) = conversations[random.Next(conversations.Count)];
                    var text = Sentence(random);
                    // The commit's end is stamped once it returns; the consumer may finish first, so both sides record.
                    var started = Stopwatch.GetTimestamp();
                    var appended = await store.AppendUserMessageAsync(user, conversation, text, null, false, CancellationToken.None);
                    if (appended is AppendResult.Appended { Message.Id: var id })
                    {
                        timing.Committed(id, started);
                        Interlocked.Increment(ref sent);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        })));
        var deadline = Stopwatch.StartNew();
        while (timing.Latencies.Count < sent && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
        }
        var sorted = timing.Latencies.ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    /// <summary>The chat-search handler, timed: the row is committed when it returns.</summary>
    private sealed class TimedIndexer(SearchIndexer inner, Timing timing) : IEventHandler
    {
        public async Task HandleAsync(EventRecord e, CancellationToken cancellationToken)
        {
            await inner.HandleAsync(e, cancellationToken);
            if (e.Type == ConversationStore.MessageCreatedEvent && e.Payload.TryGetProperty("messageId", out var id))
            {
                timing.Indexed(id.GetGuid());
            }
        }
    }

    /// <summary>
    /// Pairs each message's commit with its indexing, whichever is seen first. The commit is stamped before the append
    /// started (the store commits inside it), so a lag counts the append's own time too: an upper bound.
    /// </summary>
    private sealed class Timing(ConcurrentDictionary<Guid, long> pending, ConcurrentBag<double> latencies)
    {
        private readonly ConcurrentDictionary<Guid, long> _indexedAt = new();

        public ConcurrentBag<double> Latencies => latencies;

        public void Committed(Guid id, long started)
        {
            if (_indexedAt.TryRemove(id, out var indexed))
            {
                latencies.Add(Stopwatch.GetElapsedTime(started, indexed).TotalMilliseconds);
            }
            else
            {
                pending[id] = started;
                if (_indexedAt.TryRemove(id, out indexed) && pending.TryRemove(id, out _))
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started, indexed).TotalMilliseconds);
                }
            }
        }

        public void Indexed(Guid id)
        {
            var now = Stopwatch.GetTimestamp();
            if (pending.TryRemove(id, out var started))
            {
                latencies.Add(Stopwatch.GetElapsedTime(started, now).TotalMilliseconds);
            }
            else
            {
                _indexedAt[id] = now;
                if (pending.TryRemove(id, out started) && _indexedAt.TryRemove(id, out _))
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started, now).TotalMilliseconds);
                }
            }
        }
    }

    /// <summary>
    /// Conversations and messages by binary COPY (each message a reply to the one before), then the index from them in
    /// one INSERT ... SELECT, its GIN index built after as a bulk load would: the rows the consumer would have written.
    /// A tenth of the conversations are archived. Answers the user ids.
    /// </summary>
    private static async Task<List<Guid>> FillAsync(NpgsqlDataSource db, int users, int perUser)
    {
        var userIds = Enumerable.Range(0, users).Select(_ => Guid.NewGuid()).ToList();
        var random = new Random(42);
        var start = DateTimeOffset.UtcNow.AddDays(-365);
        var conversationsPerUser = Math.Max(1, perUser / MessagesPerConversation);
        var conversations = new List<(Guid User, Guid Id, string Model, bool Archived, DateTimeOffset At)>();
        foreach (var user in userIds)
        {
            for (var c = 0; c < conversationsPerUser; c++)
            {
                conversations.Add((user, Guid.CreateVersion7(), Models[random.Next(Models.Length)], random.Next(10) == 0, start.AddMinutes(random.Next(365 * 1_440))));
            }
        }
        await using (var connection = await db.OpenConnectionAsync())
        {
            await using (var writer = await connection.BeginBinaryImportAsync(
                "COPY chat.conversations (user_id, id, title, model, created_at, updated_at, archived_at) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var c in conversations)
                {
                    await writer.StartRowAsync();
                    await writer.WriteAsync(c.User, NpgsqlDbType.Uuid);
                    await writer.WriteAsync(c.Id, NpgsqlDbType.Uuid);
                    await writer.WriteAsync(Title(random), NpgsqlDbType.Text);
                    await writer.WriteAsync(c.Model, NpgsqlDbType.Text);
                    await writer.WriteAsync(c.At, NpgsqlDbType.TimestampTz);
                    await writer.WriteAsync(c.At, NpgsqlDbType.TimestampTz);
                    if (c.Archived)
                    {
                        await writer.WriteAsync(c.At, NpgsqlDbType.TimestampTz);
                    }
                    else
                    {
                        await writer.WriteNullAsync();
                    }
                }
                await writer.CompleteAsync();
            }
            await using (var writer = await connection.BeginBinaryImportAsync(
                "COPY chat.messages (user_id, conversation_id, id, parent_id, role, content, status, created_at, sibling_index) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var c in conversations)
                {
                    Guid? parent = null;
                    var count = Math.Min(MessagesPerConversation, perUser);
                    for (var m = 0; m < count; m++)
                    {
                        var id = Guid.CreateVersion7();
                        await writer.StartRowAsync();
                        await writer.WriteAsync(c.User, NpgsqlDbType.Uuid);
                        await writer.WriteAsync(c.Id, NpgsqlDbType.Uuid);
                        await writer.WriteAsync(id, NpgsqlDbType.Uuid);
                        if (parent is { } p)
                        {
                            await writer.WriteAsync(p, NpgsqlDbType.Uuid);
                        }
                        else
                        {
                            await writer.WriteNullAsync();
                        }
                        await writer.WriteAsync(m % 2 == 0 ? "user" : "assistant", NpgsqlDbType.Text);
                        await writer.WriteAsync(m % 2 == 0 ? Sentence(random) : Sentence(random) + " " + Sentence(random), NpgsqlDbType.Text);
                        await writer.WriteAsync("complete", NpgsqlDbType.Text);
                        await writer.WriteAsync(c.At.AddMinutes(m), NpgsqlDbType.TimestampTz);
                        await writer.WriteAsync(0, NpgsqlDbType.Integer);
                        parent = id;
                    }
                }
                await writer.CompleteAsync();
            }
        }
        await ExecuteAsync(db, """
            DROP INDEX chat.search_entries_document;
            INSERT INTO chat.search_entries (user_id, id, conversation_id, role, body, model, folder_id, tags, archived, created_at)
            SELECT m.user_id, m.id, m.conversation_id, m.role, left(m.content, 32000), c.model, c.folder_id, c.tags, c.archived_at IS NOT NULL, m.created_at
            FROM chat.messages m JOIN chat.conversations c ON c.user_id = m.user_id AND c.id = m.conversation_id;
            INSERT INTO chat.search_entries (user_id, id, conversation_id, role, body, model, folder_id, tags, archived, created_at)
            SELECT user_id, id, id, 'title', title, model, folder_id, tags, archived_at IS NOT NULL, created_at FROM chat.conversations;
            CREATE INDEX search_entries_document ON chat.search_entries USING gin (user_id, document);
            VACUUM ANALYZE chat.search_entries;
            VACUUM ANALYZE chat.messages;
            VACUUM ANALYZE chat.conversations
            """);
        return userIds;
    }

    private static string Title(Random random) => $"{Word(random)} {Word(random)} {Word(random)}";

    private static string Sentence(Random random)
    {
        var text = new StringBuilder();
        var words = random.Next(5, 40);
        for (var i = 0; i < words; i++)
        {
            text.Append(i == 0 ? "" : " ").Append(Word(random));
        }
        return text.Append('.').ToString();
    }

    /// <summary>Two words in three from the common list (its first ones most often), else one of 20,000 rare ones.</summary>
    private static string Word(Random random)
    {
        if (random.Next(3) < 2)
        {
            var r = random.NextDouble();
            return Common[(int)(r * r * Common.Length)];
        }
        return "w" + random.Next(20_000).ToString(CultureInfo.InvariantCulture);
    }

    private static async Task TimeAsync(string name, Func<Task> read, Func<int> hits)
    {
        for (var i = 0; i < 5; i++)
        {
            await read();
        }
        var times = new double[200];
        for (var i = 0; i < times.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await read();
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        Array.Sort(times);
        Console.WriteLine($"{name,-58} {Percentile(times, 0.5),8:F2} {Percentile(times, 0.95),8:F2} {Percentile(times, 0.99),8:F2} {hits(),6}");
    }

    private static async Task ExecuteAsync(NpgsqlDataSource db, string sql)
    {
        await using var connection = await db.OpenConnectionAsync();
        foreach (var statement in sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            await using var command = new NpgsqlCommand(statement, connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task<long> CountAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
