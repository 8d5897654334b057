using System.Diagnostics;
using System.Globalization;
using ChatPlatform.Chat.Infrastructure;
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
/// The conversation list filtered as the sidebar filters it (docs/conversations.md, Organising), over a big history:
/// users x conversations (default 100 x 10,000 = 1 M rows) written with binary COPY, each user with 12 folders, tags from
/// a pool (a few common, most rare), five models, 2 % starred, 10 % archived, activity spread over three years. Each
/// filter's first page (20, as the web app asks) is read through <see cref="ConversationStore.ListAsync"/> (the SQL the
/// API runs, without HTTP) for a random user, 200 times warm, in 2 rounds, and one second page by cursor.
/// Arguments: users (default 100), conversations per user (default 10,000).
/// </summary>
public static class ConversationListBenchmark
{
    private const int Rounds = 2;
    private const int Samples = 200;
    private const int FoldersPerUser = 12;
    private static readonly string[] Models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet", "o3-mini", "sim-fast"];
    private static readonly string[] CommonTags = ["work", "personal", "code"];
    private static readonly string[] RareTags = Enumerable.Range(0, 60).Select(i => $"topic-{i}").ToArray();

    public static async Task RunAsync(string[] args)
    {
        var users = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
        var perUser = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
        await using var fixture = new PostgresFixture();
        await fixture.InitializeAsync();
        var connectionString = await fixture.CreateDatabaseAsync();
        Console.WriteLine($"PostgreSQL 15 local, durable: false, {Environment.ProcessorCount} cores, client and server on the same machine");

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:chatdb"] = connectionString });
        builder.AddChatDatabase("chat", typeof(ConversationStore).Assembly);
        builder.AddEventLog();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ConversationStore>();
        using var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<MigrationStatus>().WhenAppliedAsync("chat");
        var db = host.Services.GetRequiredService<NpgsqlDataSource>();

        var load = Stopwatch.StartNew();
        var folders = await FillAsync(db, users, perUser);
        Console.WriteLine($"{(long)users * perUser:N0} conversations of {users:N0} users written and analysed in {load.Elapsed.TotalSeconds:0} s");

        var store = host.Services.GetRequiredService<ConversationStore>();
        var userIds = folders.Keys.ToList();
        var recent = DateTimeOffset.UtcNow.AddDays(-60);
        var filters = new (string Name, Func<Guid, Random, ConversationFilter> Filter)[]
        {
            ("no filter", (_, _) => ConversationFilter.None),
            ("one folder", (u, r) => ConversationFilter.None with { Folder = folders[u][r.Next(FoldersPerUser)] }),
            ("no folder", (_, _) => ConversationFilter.None with { NoFolder = true }),
            ("common tag (work)", (_, _) => ConversationFilter.None with { Tag = "work" }),
            ("rare tag", (_, r) => ConversationFilter.None with { Tag = RareTags[r.Next(RareTags.Length)] }),
            ("one model", (_, r) => ConversationFilter.None with { Model = Models[r.Next(Models.Length)] }),
            ("one month, a year ago", (_, _) => ConversationFilter.None with { From = recent.AddDays(-365), To = recent.AddDays(-335) }),
            ("starred only", (_, _) => ConversationFilter.None with { Starred = true }),
            ("archived", (_, _) => ConversationFilter.None with { Archived = true }),
            ("folder + tag + model", (u, r) => ConversationFilter.None with
                { Folder = folders[u][r.Next(FoldersPerUser)], Tag = "code", Model = Models[r.Next(Models.Length)] }),
            ("rare tag + month (sparse)", (_, r) => ConversationFilter.None with
                { Tag = RareTags[r.Next(RareTags.Length)], From = recent.AddDays(-365), To = recent.AddDays(-335) }),
        };
        Console.WriteLine($"first page of {ConversationRules.DefaultPageSize}, random user, {Samples} reads a round after 10 warm-ups; p50 / p95 ms per round");
        Console.WriteLine($"{"filter",-30} {"round 1",-18} {"round 2",-18} {"all p50",8} {"all p95",8} {"p99",8} {"rows",6}");
        foreach (var (name, filter) in filters)
        {
            var random = new Random(3);
            var all = new List<double>();
            var cells = new List<string>();
            var rows = 0;
            for (var round = 0; round < Rounds; round++)
            {
                var times = await SampleAsync(async () =>
                {
                    var user = userIds[random.Next(userIds.Count)];
                    var page = await store.ListAsync(user, ConversationRules.DefaultPageSize, null, filter(user, random), CancellationToken.None);
                    rows += page.Items.Count;
                });
                all.AddRange(times);
                cells.Add($"{P(times, 0.5),6:F2} / {P(times, 0.95),6:F2}");
            }
            var sorted = all.Order().ToArray();
            Console.WriteLine($"{name,-30} {cells[0],-18} {cells[1],-18} {P(sorted, 0.5),8:F2} {P(sorted, 0.95),8:F2} {P(sorted, 0.99),8:F2} "
                + $"{rows / (double)(Rounds * (Samples + 10)),6:0.0}");
        }
        await host.StopAsync();
    }

    private static async Task<double[]> SampleAsync(Func<Task> read)
    {
        for (var i = 0; i < 10; i++)
        {
            await read();
        }
        var times = new double[Samples];
        for (var i = 0; i < times.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await read();
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        Array.Sort(times);
        return times;
    }

    private static async Task<Dictionary<Guid, Guid[]>> FillAsync(NpgsqlDataSource db, int users, int perUser)
    {
        var random = new Random(17);
        var folders = Enumerable.Range(0, users).ToDictionary(_ => Guid.NewGuid(), _ => Enumerable.Range(0, FoldersPerUser).Select(_ => Guid.NewGuid()).ToArray());
        var now = DateTimeOffset.UtcNow;
        await using var connection = await db.OpenConnectionAsync();
        await using (var writer = await connection.BeginBinaryImportAsync("COPY chat.folders (user_id, id, name, created_at) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (user, ids) in folders)
            {
                for (var i = 0; i < ids.Length; i++)
                {
                    await writer.WriteRowAsync(default, user, ids[i], $"Folder {i}", now);
                }
            }
            await writer.CompleteAsync();
        }
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY chat.conversations (user_id, id, title, model, created_at, updated_at, folder_id, tags, starred, archived_at) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (user, ids) in folders)
            {
                for (var c = 0; c < perUser; c++)
                {
                    var at = now.AddMinutes(-random.Next(3 * 365 * 1_440));
                    var tags = new SortedSet<string>(StringComparer.Ordinal);
                    if (random.Next(3) == 0)
                    {
                        tags.Add(CommonTags[random.Next(CommonTags.Length)]);
                    }
                    if (random.Next(5) == 0)
                    {
                        tags.Add(RareTags[random.Next(RareTags.Length)]);
                    }
                    await writer.StartRowAsync();
                    await writer.WriteAsync(user, NpgsqlDbType.Uuid);
                    await writer.WriteAsync(Guid.CreateVersion7(at), NpgsqlDbType.Uuid);
                    await writer.WriteAsync($"Conversation {c}", NpgsqlDbType.Text);
                    await writer.WriteAsync(Models[random.Next(Models.Length)], NpgsqlDbType.Text);
                    await writer.WriteAsync(at, NpgsqlDbType.TimestampTz);
                    await writer.WriteAsync(at, NpgsqlDbType.TimestampTz);
                    if (random.Next(2) == 0)
                    {
                        await writer.WriteAsync(ids[random.Next(ids.Length)], NpgsqlDbType.Uuid);
                    }
                    else
                    {
                        await writer.WriteNullAsync();
                    }
                    await writer.WriteAsync(tags.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
                    await writer.WriteAsync(random.Next(50) == 0, NpgsqlDbType.Boolean);
                    if (random.Next(10) == 0)
                    {
                        await writer.WriteAsync(at, NpgsqlDbType.TimestampTz);
                    }
                    else
                    {
                        await writer.WriteNullAsync();
                    }
                }
            }
            await writer.CompleteAsync();
        }
        await using (var analyse = new NpgsqlCommand("VACUUM ANALYZE chat.conversations", connection) { CommandTimeout = 0 })
        {
            await analyse.ExecuteNonQueryAsync();
        }
        return folders;
    }

    private static double P(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
