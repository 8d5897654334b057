using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ChatPlatform.Billing.Apis;
using ChatPlatform.Billing.Ledger;
using ChatPlatform.Billing.Accounts;
using ChatPlatform.Billing.Pricing;
using ChatPlatform.Billing.Quotas;
using ChatPlatform.EventLog;
using ChatPlatform.Postgres;
using ChatPlatform.Quotas;
using ChatPlatform.Redis;
using ChatPlatform.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace ChatPlatform.Bench;

/// <summary>
/// Billing's ledger on a real PostgreSQL: (1) event commit → ledger entry latency at 500 answers/s (one
/// <c>usage.recorded</c> per transaction from 4 producers, billing's own consumers and options); (2) the usage reads
/// over 10 million ledger rows (written with binary COPY, their aggregates built from them): a user's Usage page (by
/// day and by model over 30 days), the admin overview's summary of today, and the admin's by-day and top-users reports.
/// Arguments: ledger rows (default 10,000,000), users (default 10,000).
/// </summary>
public static class LedgerBenchmark
{
    private const int Rate = 500;
    private static readonly TimeSpan LatencyPhase = TimeSpan.FromSeconds(10);
    private static readonly string[] Models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet", "claude-haiku", "sim-fast"];

    public static async Task RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 10_000_000;
        var users = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
        await using var fixture = new PostgresFixture();
        await fixture.InitializeAsync();
        var connectionString = await fixture.CreateDatabaseAsync();
        Console.WriteLine($"PostgreSQL 15 local, durable: false, {Environment.ProcessorCount} cores, client and server on the same machine");

        // Billing settles each answer in the quota counters too: a real redis-server, as in the service.
        await using var redis = new RedisFixture();
        await redis.InitializeAsync();
        var latencies = await MeasureLatencyAsync(connectionString, redis.ConnectionString);
        if (latencies.Length == 0)
        {
            throw new InvalidOperationException("No answer reached the ledger: billing's consumer recorded nothing (see its wiring above).");
        }
        Console.WriteLine($"event commit -> ledger entry, {Rate} answers/s from 4 producers for {LatencyPhase.TotalSeconds:0} s, {latencies.Length:N0} answers "
            + "(from the producer calling COMMIT to the entry and its aggregate committed):");
        Console.WriteLine($"  p50 {Percentile(latencies, 0.50):0.0} ms   p95 {Percentile(latencies, 0.95):0.0} ms   p99 {Percentile(latencies, 0.99):0.0} ms   "
            + $"max {latencies[^1]:0.0} ms   (target p99 < 1 s)");

        await using var db = NpgsqlDataSource.Create(connectionString);
        var load = Stopwatch.StartNew();
        await FillAsync(db, rows, users);
        Console.WriteLine();
        Console.WriteLine($"{rows:N0} ledger rows for {users:N0} users over 90 days, {Models.Length} models: COPY, indexes and aggregates in {load.Elapsed.TotalSeconds:0} s; "
            + $"{await CountAsync(db, "SELECT count(*) FROM billing.daily_usage"):N0} aggregate rows");
        var queries = new UsageQueries(db);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var month = new UsageRange(today.AddDays(-29), today);
        var random = new Random(7);
        var userIds = await UserIdsAsync(db, 200);
        Console.WriteLine($"{"read (each timed 200 times, warm)",-58} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8}");
        await TimeAsync("usage page: one user, by day + by model, 30 days", async () =>
        {
            var user = userIds[random.Next(userIds.Count)];
            await queries.ReportAsync(month, UsageGroups.Day, user, 0, 1_464, CancellationToken.None);
            await queries.ReportAsync(month, UsageGroups.Model, user, 0, 1_464, CancellationToken.None);
        });
        await TimeAsync("admin overview: summary of today", () => queries.TotalAsync(new UsageRange(today, today), null, CancellationToken.None));
        await TimeAsync("admin: everyone by day, 30 days", () => queries.ReportAsync(month, UsageGroups.Day, null, 0, 1_464, CancellationToken.None));
        await TimeAsync("admin: top 50 users, 30 days", () => queries.ReportAsync(month, UsageGroups.User, null, 0, 50, CancellationToken.None));
    }

    private static async Task TimeAsync(string name, Func<Task> read)
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
        Console.WriteLine($"{name,-58} {Percentile(times, 0.5),8:F2} {Percentile(times, 0.95),8:F2} {Percentile(times, 0.99),8:F2}");
    }

    private static async Task<double[]> MeasureLatencyAsync(string connectionString, string redis)
    {
        var committing = new ConcurrentDictionary<Guid, long>();
        var latencies = new ConcurrentBag<double>();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:chatdb"] = connectionString,
            ["ConnectionStrings:redis"] = redis,
        });
        // Billing's ledger as its service wires it, without its HTTP API; every answer here is priced by the router.
        builder.AddChatDatabase("billing", typeof(LedgerStore).Assembly);
        builder.AddEventLog();
        builder.AddRedis("redis");
        builder.Services.AddOptions<PricingOptions>();
        builder.Services.AddHttpClient(ModelPrices.HttpClientName);
        builder.Services.AddSingleton<ModelPrices>();
        builder.Services.AddSingleton<LedgerStore>();
        builder.Services.AddQuotas();
        builder.Services.AddSingleton<QuotaLedger>();
        builder.Services.AddSingleton<QuotaSettler>();
        builder.Services.AddSingleton<AccountDeletions>();
        builder.Services.AddScoped<UsageRecorder>();
        builder.Services.AddSingleton(new Timing(committing, latencies));
        builder.AddPartitionedEventConsumers<TimedRecorder>(UsageRecorder.ConsumerName, UsageRecorder.Partitions, UsageRecorder.Configure);
        using var host = builder.Build();
        await host.StartAsync();
        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
        var eventLog = host.Services.GetRequiredService<IEventLog>();
        var migrations = host.Services.GetRequiredService<MigrationStatus>();
        await migrations.WhenAppliedAsync("events");
        await migrations.WhenAppliedAsync("billing");

        const int producers = 4;
        var interval = TimeSpan.FromSeconds(producers / (double)Rate);
        var users = Enumerable.Range(0, 1_000).Select(_ => Guid.NewGuid()).ToArray();
        var sent = 0;
        using var stop = new CancellationTokenSource(LatencyPhase);
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            var random = new Random(p);
            using var timer = new PeriodicTimer(interval);
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token))
                {
                    var e = Answer(users[random.Next(users.Length)], random, DateTimeOffset.UtcNow);
                    await using var connection = await dataSource.OpenConnectionAsync();
                    await using var transaction = await connection.BeginTransactionAsync();
                    await eventLog.AppendAsync(connection, transaction, e);
                    committing[e.Id] = Stopwatch.GetTimestamp();
                    await transaction.CommitAsync();
                    Interlocked.Increment(ref sent);
                }
            }
            catch (OperationCanceledException)
            {
            }
        })));
        var deadline = Stopwatch.StartNew();
        while (latencies.Count < sent && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(50);
        }
        await host.StopAsync();
        var sorted = latencies.ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    private static EventToAppend Answer(Guid userId, Random random, DateTimeOffset at)
    {
        var input = random.Next(100, 20_000);
        var output = random.Next(10, 2_000);
        return EventToAppend.Create("usage.recorded", userId.ToString(), new
        {
            userId, source = "chat", conversationId = Guid.NewGuid(), messageId = Guid.NewGuid(), status = "complete",
            model = Models[random.Next(Models.Length)], deployment = "d-1", provider = "openai",
            inputTokens = input, cachedInputTokens = 0, outputTokens = output, estimated = false,
            costUsd = (input * 2.5m + output * 10m) / 1_000_000m, timeToFirstTokenMs = 100, durationMs = 900, occurredAt = at,
        });
    }

    /// <summary>Billing's handler, timed: the entry is committed when it returns.</summary>
    private sealed class TimedRecorder(UsageRecorder inner, Timing timing) : IEventHandler
    {
        public async Task HandleAsync(EventRecord e, CancellationToken cancellationToken)
        {
            await inner.HandleAsync(e, cancellationToken);
            if (timing.Committing.TryRemove(e.Id, out var started))
            {
                timing.Latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    }

    private sealed record Timing(ConcurrentDictionary<Guid, long> Committing, ConcurrentBag<double> Latencies);

    /// <summary>
    /// Ledger rows by binary COPY (the two secondary indexes built after, as a bulk load would), then the aggregates
    /// from them in one GROUP BY: what the consumer would have kept, row by row.
    /// </summary>
    private static async Task FillAsync(NpgsqlDataSource db, long rows, int users)
    {
        await ExecuteAsync(db, "DELETE FROM billing.ledger; DELETE FROM billing.daily_usage; DELETE FROM billing.daily_totals; DROP INDEX billing.ledger_by_user; DROP INDEX billing.ledger_by_time");
        var userIds = Enumerable.Range(0, users).Select(_ => Guid.NewGuid()).ToArray();
        var random = new Random(42);
        var start = DateTimeOffset.UtcNow.Date.AddDays(-89);
        await using (var connection = await db.OpenConnectionAsync())
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY billing.ledger (event_id, user_id, source, conversation_id, message_id, status, model, deployment, provider, input_tokens, " +
            "cached_input_tokens, output_tokens, estimated, priced_by, cost_usd, occurred_at) FROM STDIN (FORMAT BINARY)"))
        {
            for (long i = 0; i < rows; i++)
            {
                var input = random.Next(100, 20_000);
                var output = random.Next(10, 2_000);
                await writer.StartRowAsync();
                await writer.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
                await writer.WriteAsync(userIds[random.Next(users)], NpgsqlDbType.Uuid);
                await writer.WriteAsync("chat", NpgsqlDbType.Text);
                await writer.WriteAsync(Guid.NewGuid(), NpgsqlDbType.Uuid);
                await writer.WriteAsync(Guid.NewGuid(), NpgsqlDbType.Uuid);
                await writer.WriteAsync("complete", NpgsqlDbType.Text);
                await writer.WriteAsync(Models[random.Next(Models.Length)], NpgsqlDbType.Text);
                await writer.WriteAsync("d-1", NpgsqlDbType.Text);
                await writer.WriteAsync("openai", NpgsqlDbType.Text);
                await writer.WriteAsync((long)input, NpgsqlDbType.Bigint);
                await writer.WriteAsync(0L, NpgsqlDbType.Bigint);
                await writer.WriteAsync((long)output, NpgsqlDbType.Bigint);
                await writer.WriteAsync(false, NpgsqlDbType.Boolean);
                await writer.WriteAsync("router", NpgsqlDbType.Text);
                await writer.WriteAsync((input * 2.5m + output * 10m) / 1_000_000m, NpgsqlDbType.Numeric);
                await writer.WriteAsync(new DateTimeOffset(start).AddSeconds(random.Next(90 * 86_400)), NpgsqlDbType.TimestampTz);
            }
            await writer.CompleteAsync();
        }
        await ExecuteAsync(db, """
            CREATE INDEX ledger_by_user ON billing.ledger (user_id, occurred_at);
            CREATE INDEX ledger_by_time ON billing.ledger (occurred_at);
            INSERT INTO billing.daily_usage (user_id, day, model, answers, input_tokens, cached_input_tokens, output_tokens, cost_usd)
            SELECT user_id, (occurred_at AT TIME ZONE 'UTC')::date, model, count(*), sum(input_tokens), sum(cached_input_tokens), sum(output_tokens), sum(cost_usd)
            FROM billing.ledger GROUP BY 1, 2, 3;
            INSERT INTO billing.daily_totals (day, model, answers, input_tokens, cached_input_tokens, output_tokens, cost_usd)
            SELECT day, model, sum(answers), sum(input_tokens), sum(cached_input_tokens), sum(output_tokens), sum(cost_usd)
            FROM billing.daily_usage GROUP BY 1, 2;
            VACUUM ANALYZE billing.daily_totals;
            VACUUM ANALYZE billing.ledger;
            VACUUM ANALYZE billing.daily_usage;
            """);
    }

    private static async Task<List<Guid>> UserIdsAsync(NpgsqlDataSource db, int count)
    {
        await using var command = db.CreateCommand($"SELECT DISTINCT user_id FROM billing.daily_usage LIMIT {count}");
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
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
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
