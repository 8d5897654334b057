using System.Diagnostics;
using ChatPlatform.EventLog;
using ChatPlatform.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace ChatPlatform.Bench;

/// <summary>
/// The event log's Kafka path against librdkafka's mock cluster (in this process, on loopback; no broker installs here):
/// events per second through the relay working off a backlog, then commit-to-handler latency over PostgreSQL and over
/// Kafka at the same rate, in one run. About 75 s.
/// </summary>
public static class KafkaBenchmark
{
    private const int Backlog = 20_000;

    public static async Task RunAsync(string[] args)
    {
        await using var fixture = new PostgresFixture();
        await fixture.InitializeAsync();
        using var kafka = KafkaMockCluster.Start();
        Console.WriteLine($"PostgreSQL 15 local (durable: false), librdkafka 2.16 mock cluster (1 broker, in-process, memory only), "
            + $"{Environment.ProcessorCount} cores, everything on one machine");

        Console.WriteLine();
        Console.WriteLine($"{"relay a backlog (idempotent producer, acks=all)",-52} {"events/s",10}");
        foreach (var batchSize in new[] { 100, 500 })
        {
            var rate = await RelayBacklogAsync(fixture, kafka, batchSize);
            Console.WriteLine($"{$"{Backlog:N0} events, relay batch size {batchSize}",-52} {rate,10:N0}");
        }

        Console.WriteLine();
        Console.WriteLine("commit -> handler latency, 200 events/s from 4 producers for 8 s (from the producer calling COMMIT to the handler starting):");
        // A topic of its own: one topic carries one database's log (positions are that log's), not the backlog runs'.
        var latencyTopic = ("EventLog:Kafka:Topic", "bench-latency-events");
        // The mock broker holds a fetch that finds nothing for the consumer's whole fetch.wait.max.ms (500 ms by default),
        // where a real broker answers it as soon as data arrives: the last row shows the path without that wait.
        var shortFetch = ("EventLog:Kafka:Client:fetch.wait.max.ms", "10");
        foreach (var (name, transport) in new (string, Action<HostApplicationBuilder>?)[]
        {
            ("PostgreSQL", null),
            ("Kafka", On(kafka, latencyTopic)),
            ("Kafka, fetch wait 10 ms", On(kafka, ("EventLog:Kafka:Topic", "bench-latency-short-fetch"), shortFetch)),
        })
        {
            var connectionString = await fixture.CreateDatabaseAsync();
            using var producer = await EventLogBenchmark.StartAsync(connectionString, _ => { });
            var latencies = await EventLogBenchmark.MeasureLatencyAsync(
                connectionString, producer.Services.GetRequiredService<NpgsqlDataSource>(), producer.Services.GetRequiredService<IEventLog>(), transport);
            Console.WriteLine($"  {name,-24} {latencies.Length,6:N0} events   p50 {EventLogBenchmark.Percentile(latencies, 0.50),7:0.00} ms   "
                + $"p99 {EventLogBenchmark.Percentile(latencies, 0.99),7:0.00} ms   max {latencies[^1],7:0.00} ms");
            await producer.StopAsync();
        }
    }

    /// <summary>Appends <see cref="Backlog"/> events, then times a relay from start until its saved position reaches the last.</summary>
    private static async Task<double> RelayBacklogAsync(PostgresFixture fixture, KafkaMockCluster kafka, int batchSize)
    {
        var connectionString = await fixture.CreateDatabaseAsync();
        using var producer = await EventLogBenchmark.StartAsync(connectionString, _ => { });
        var dataSource = producer.Services.GetRequiredService<NpgsqlDataSource>();
        var eventLog = producer.Services.GetRequiredService<IEventLog>();
        for (var appended = 0; appended < Backlog; appended += 100)
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await eventLog.AppendAsync(connection, transaction, [.. Enumerable.Range(appended, 100)
                .Select(n => EventToAppend.Create("bench.relayed", $"user-{n % 64}", new { Sequence = n, Text = "a short chat message" }))]);
            await transaction.CommitAsync();
        }
        var last = await ScalarAsync(dataSource, "SELECT max(position) FROM events.events");
        var topic = ("EventLog:Kafka:Topic", $"bench-relay-{batchSize}");

        var stopwatch = Stopwatch.StartNew();
        using var relay = await EventLogBenchmark.StartAsync(connectionString, _ => { }, On(kafka, topic, ("EventLog:Kafka:RelayBatchSize", $"{batchSize}")));
        // The relay saves its position after each acknowledged batch; look every 20 ms.
        while (await ScalarAsync(dataSource, "SELECT coalesce(max(position), 0) FROM events.consumer_offsets WHERE consumer = 'kafka-relay'") < last)
        {
            await Task.Delay(20);
        }
        var elapsed = stopwatch.Elapsed;
        await relay.StopAsync();
        await producer.StopAsync();
        return Backlog / elapsed.TotalSeconds;
    }

    private static Action<HostApplicationBuilder> On(KafkaMockCluster kafka, params (string Key, string Value)[] settings) => builder =>
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = kafka.BootstrapServers,
            ["EventLog:Kafka:SessionTimeout"] = "00:00:06",
        }.Concat(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))));

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
