using System.Collections.Concurrent;
using System.Diagnostics;
using ChatPlatform.EventLog;
using ChatPlatform.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatPlatform.Bench;

/// <summary>
/// The event log on a real PostgreSQL: appends per second (producers, batch sizes), events consumed per second by one
/// consumer working off a backlog, and commit-to-handler latency at a steady moderate rate. About 40 s in all.
/// </summary>
public static class EventLogBenchmark
{
    private static readonly TimeSpan AppendPhase = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan ConsumePhase = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan LatencyPhase = TimeSpan.FromSeconds(8);
    private const int LatencyRatePerSecond = 200;

    public static async Task RunAsync(string[] args)
    {
        await using var fixture = new PostgresFixture();
        await fixture.InitializeAsync();
        var connectionString = await fixture.CreateDatabaseAsync();
        Console.WriteLine($"PostgreSQL 15 local, durable: false (fsync and synchronous_commit off: commits cost no disk flush), "
            + $"{Environment.ProcessorCount} cores, client and server on the same machine");

        using var producer = await StartAsync(connectionString, _ => { });
        var dataSource = producer.Services.GetRequiredService<NpgsqlDataSource>();
        var eventLog = producer.Services.GetRequiredService<IEventLog>();

        Console.WriteLine();
        Console.WriteLine($"{"append (one transaction per batch)",-44} {"events/s",10} {"tx/s",9}");
        foreach (var (producers, batch) in new[] { (1, 1), (8, 1), (8, 100) })
        {
            var appended = await AppendForAsync(dataSource, eventLog, producers, batch, AppendPhase);
            Console.WriteLine($"{$"{producers} producer(s), batches of {batch}",-44} {appended / AppendPhase.TotalSeconds,10:N0} {appended / batch / AppendPhase.TotalSeconds,9:N0}");
        }

        var backlog = await CountAsync(dataSource);
        Console.WriteLine();
        Console.WriteLine($"{"consume a backlog of " + backlog.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " (no-op handler)",-44} {"events/s",10}");
        foreach (var batchSize in new[] { 100, 1000 })
        {
            var consumed = await ConsumeForAsync(connectionString, $"bench-{batchSize}", batchSize, ConsumePhase);
            Console.WriteLine($"{$"1 consumer, batch size {batchSize}",-44} {consumed.Count / consumed.Elapsed.TotalSeconds,10:N0}");
        }

        Console.WriteLine();
        var latencies = await MeasureLatencyAsync(connectionString, dataSource, eventLog);
        Console.WriteLine($"commit -> handler latency, {LatencyRatePerSecond} events/s from 4 producers for {LatencyPhase.TotalSeconds:0} s, "
            + $"{latencies.Length:N0} events (from the producer calling COMMIT to the handler starting):");
        Console.WriteLine($"  p50 {Percentile(latencies, 0.50):0.00} ms   p95 {Percentile(latencies, 0.95):0.00} ms   "
            + $"p99 {Percentile(latencies, 0.99):0.00} ms   max {latencies[^1]:0.00} ms   (target p99 < 20 ms)");
        await producer.StopAsync();
    }

    private static async Task<long> AppendForAsync(NpgsqlDataSource dataSource, IEventLog eventLog, int producers, int batch, TimeSpan duration)
    {
        using var stop = new CancellationTokenSource(duration);
        var appended = 0L;
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            var events = new EventToAppend[batch];
            var sequence = 0;
            while (!stop.IsCancellationRequested)
            {
                for (var i = 0; i < batch; i++)
                {
                    events[i] = EventToAppend.Create("bench.appended", $"conversation-{p}", new { Sequence = sequence++, Text = "a short chat message" });
                }
                await using var connection = await dataSource.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                await eventLog.AppendAsync(connection, transaction, events);
                await transaction.CommitAsync();
                Interlocked.Add(ref appended, batch);
            }
        })));
        return appended;
    }

    private static async Task<(long Count, TimeSpan Elapsed)> ConsumeForAsync(string connectionString, string consumer, int batchSize, TimeSpan duration)
    {
        var counter = new HandledCounter();
        using var host = await StartAsync(connectionString, builder =>
        {
            builder.Services.AddSingleton(counter);
            builder.AddEventConsumer<CountingHandler>(consumer, options => options.BatchSize = batchSize);
        });
        await counter.First.Task;
        var stopwatch = Stopwatch.StartNew();
        var start = Interlocked.Read(ref counter.Count);
        await Task.Delay(duration);
        var count = Interlocked.Read(ref counter.Count) - start;
        var elapsed = stopwatch.Elapsed;
        await host.StopAsync();
        return (count, elapsed);
    }

    /// <summary>Commit-to-handler latencies, sorted; <paramref name="transport"/> configures the host first (Kafka, say).</summary>
    internal static async Task<double[]> MeasureLatencyAsync(
        string connectionString, NpgsqlDataSource dataSource, IEventLog eventLog, Action<HostApplicationBuilder>? transport = null)
    {
        var latencies = new ConcurrentBag<double>();
        var commitStarted = new ConcurrentDictionary<Guid, long>();
        var warm = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = await StartAsync(connectionString, builder =>
        {
            builder.Services.AddSingleton(new LatencyRecorder(latencies, commitStarted, warm));
            builder.AddEventConsumer<LatencyHandler>("bench-latency");
        }, transport);
        // The consumer first works off the backlog from the append runs; measure once it is caught up.
        await AppendOneAsync(dataSource, eventLog, commitStarted, "bench.warm", 0, 0);
        await warm.Task;

        const int producers = 4;
        var interval = TimeSpan.FromSeconds(producers / (double)LatencyRatePerSecond);
        using var stop = new CancellationTokenSource(LatencyPhase);
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            var sequence = 0;
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token))
                {
                    await AppendOneAsync(dataSource, eventLog, commitStarted, "bench.latency", p, sequence++);
                }
            }
            catch (OperationCanceledException)
            {
            }
        })));
        await Task.Delay(500); // the last events in flight
        await host.StopAsync();
        var sorted = latencies.ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    internal static async Task AppendOneAsync(
        NpgsqlDataSource dataSource, IEventLog eventLog, ConcurrentDictionary<Guid, long> commitStarted, string type, int producer, int sequence)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var e = EventToAppend.Create(type, $"conversation-{producer}", new { Sequence = sequence });
        await eventLog.AppendAsync(connection, transaction, e);
        commitStarted[e.Id] = Stopwatch.GetTimestamp();
        await transaction.CommitAsync();
    }

    internal static async Task<IHost> StartAsync(string connectionString, Action<HostApplicationBuilder> configure, Action<HostApplicationBuilder>? transport = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:chatdb"] = connectionString });
        transport?.Invoke(builder); // before the event log, which reads it as it is added
        builder.AddEventLog();
        configure(builder);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM events.events");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    internal static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private sealed class HandledCounter
    {
        public long Count;

        public TaskCompletionSource First { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class CountingHandler(HandledCounter counter) : IEventHandler
    {
        public Task HandleAsync(EventRecord e, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref counter.Count);
            counter.First.TrySetResult();
            return Task.CompletedTask;
        }
    }

    private sealed record LatencyRecorder(ConcurrentBag<double> Latencies, ConcurrentDictionary<Guid, long> CommitStarted, TaskCompletionSource Warm);

    private sealed class LatencyHandler(LatencyRecorder recorder) : IEventHandler
    {
        public Task HandleAsync(EventRecord e, CancellationToken cancellationToken)
        {
            if (e.Type == "bench.warm")
            {
                recorder.Warm.TrySetResult();
            }
            else if (e.Type == "bench.latency" && recorder.CommitStarted.TryGetValue(e.Id, out var committing))
            {
                recorder.Latencies.Add(Stopwatch.GetElapsedTime(committing).TotalMilliseconds);
            }
            return Task.CompletedTask;
        }
    }
}
