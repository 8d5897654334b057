using System.Diagnostics;
using ChatPlatform.Postgres;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatPlatform.EventLog.Kafka;

/// <summary>
/// A consumer reading the topic through Kafka consumer group <c>name</c>: the same handler as on PostgreSQL, the same
/// retry-until-handled, and offsets committed (in the background, every <see cref="KafkaEventLogOptions.CommitInterval"/>)
/// only for events handled. Two checks keep a handler from seeing an event twice where the transport can tell:
/// an event at or below the offset this consumer had reached on PostgreSQL was handled there (switching over), and an
/// event at or below the last position handled from its partition is a relay's replay (positions only grow within a
/// partition, but for a replay). Anything else delivered twice (a crash before a commit) the handler's idempotency covers.
/// </summary>
internal sealed partial class KafkaEventConsumer(
    string name,
    EventConsumerOptions options,
    EventDispatcher dispatcher,
    KafkaClients clients,
    NpgsqlDataSource dataSource,
    MigrationStatus migrations,
    TimeProvider timeProvider,
    ILogger<KafkaEventConsumer> logger) : BackgroundService
{
    private readonly EventSource _source = new("kafka", clients.Options.Topic);
    private readonly ConsumerStore _store = new(dataSource, name, timeProvider);
    private readonly Dictionary<int, long> _lastHandled = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Activity.Current = null; // each handled event starts its own span, parented by the event's trace
        await migrations.WhenAppliedAsync(EventLog.Schema, stoppingToken);
        for (var failures = 0; ; failures++)
        {
            try
            {
                var handledOnPostgres = await _store.ReadOffsetAsync(stoppingToken);
                // Consume blocks its thread: a thread of its own, not one of the pool's.
                await Task.Factory.StartNew(
                    () => Consume(handledOnPostgres, stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                var delay = options.Backoff(failures + 1);
                LogRunFailed(logger, e, name, delay);
                await Task.Delay(delay, timeProvider, stoppingToken);
            }
        }
    }

    private void Consume(long handledOnPostgres, CancellationToken stoppingToken)
    {
        using var consumer = clients.CreateConsumerBuilder(name)
            .SetPartitionsAssignedHandler((_, assigned) => Forget(assigned.Select(p => p.Partition.Value)))
            .SetPartitionsRevokedHandler((_, revoked) => Forget(revoked.Select(p => p.Partition.Value)))
            .Build();
        consumer.Subscribe(clients.Options.Topic);
        LogSubscribed(logger, name, clients.Options.Topic);
        try
        {
            while (true)
            {
                ConsumeResult<string, byte[]> result;
                try
                {
                    result = consumer.Consume(stoppingToken);
                }
                catch (ConsumeException e) when (!e.Error.IsFatal)
                {
                    LogConsumeError(logger, name, e.Error.Reason); // the client recovers by itself (a topic not there yet, a broker away)
                    continue;
                }
                if (result?.Message is null)
                {
                    continue;
                }
                HandleAsync(result, handledOnPostgres, stoppingToken).GetAwaiter().GetResult();
                consumer.StoreOffset(result);
            }
        }
        finally
        {
            // Leaves the group and commits what was stored, so that the next member starts right after it.
            consumer.Close();
        }
    }

    private async Task HandleAsync(ConsumeResult<string, byte[]> result, long handledOnPostgres, CancellationToken cancellationToken)
    {
        var partition = result.Partition.Value;
        if (KafkaEventMessage.Read(result.Message) is not { } e)
        {
            LogNotAnEvent(logger, name, partition, result.Offset.Value);
            return;
        }
        var last = Math.Max(handledOnPostgres, _lastHandled.GetValueOrDefault(partition));
        if (e.Position <= last)
        {
            LogSkipped(logger, name, e.Id, e.Position, last);
            return;
        }
        if (options.Partition is not { } share || share.Owns(e.Key))
        {
            await dispatcher.HandleAsync(e, _source, onFirstFailure: null, cancellationToken);
        }
        _lastHandled[partition] = e.Position;
    }

    // A partition that moves to or from this member may have been read by another meanwhile.
    private void Forget(IEnumerable<int> partitions)
    {
        foreach (var partition in partitions)
        {
            _lastHandled.Remove(partition);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Event consumer {Consumer} is reading Kafka topic {Topic}")]
    private static partial void LogSubscribed(ILogger logger, string consumer, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event consumer {Consumer}: {Reason}")]
    private static partial void LogConsumeError(ILogger logger, string consumer, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event consumer {Consumer} skipped a message that is not an event (partition {Partition}, offset {Offset})")]
    private static partial void LogNotAnEvent(ILogger logger, string consumer, int partition, long offset);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Event consumer {Consumer} skipped event {EventId} at position {Position}: handled up to {Handled}")]
    private static partial void LogSkipped(ILogger logger, string consumer, Guid eventId, long position, long handled);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event consumer {Consumer} failed reading Kafka; starting over in {Delay}")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string consumer, TimeSpan delay);
}
