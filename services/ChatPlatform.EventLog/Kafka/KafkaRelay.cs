using ChatPlatform.Postgres;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatPlatform.EventLog.Kafka;

/// <summary>
/// Publishes the committed log to the Kafka topic, keyed by each event's key, in position order (so in commit order per
/// key). It reads the log as a consumer named <see cref="ConsumerName"/> does (one instance at a time, gap-safe), and
/// saves its position in PostgreSQL only once Kafka acknowledged the whole batch: a crash between the two publishes
/// that batch again (at least once), which the consumers skip (<see cref="KafkaEventConsumer"/>).
/// </summary>
internal sealed partial class KafkaRelay(
    KafkaClients clients,
    NpgsqlDataSource dataSource,
    LogSession session,
    MigrationStatus migrations,
    EventLogTelemetry telemetry,
    TimeProvider timeProvider,
    ILogger<KafkaRelay> logger)
    : LogReader(ConsumerName, RelayOptions(clients.Options), dataSource, session, migrations, telemetry, timeProvider, logger)
{
    public const string ConsumerName = "kafka-relay";

    private IProducer<string, byte[]>? _producer;

    private static EventConsumerOptions RelayOptions(KafkaEventLogOptions options) => new() { BatchSize = options.RelayBatchSize };

    private protected override async Task<long> LoadOffsetAsync(CancellationToken cancellationToken)
    {
        var offset = await Store.LoadOffsetFromSlowestAsync(cancellationToken);
        LogRelaying(Logger, clients.Options.Topic, offset);
        return offset;
    }

    private protected override async Task<long> HandleBatchAsync(List<EventRecord> events, long offset, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return offset;
        }
        try
        {
            _producer ??= clients.CreateProducer(ConsumerName);
            // Produce only queues the message, in call order; the idempotent producer keeps that order per partition.
            var deliveries = new Task[events.Count];
            for (var i = 0; i < events.Count; i++)
            {
                var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _producer.Produce(clients.Options.Topic, KafkaEventMessage.From(events[i]), report =>
                {
                    if (report.Error.IsError)
                    {
                        delivered.TrySetException(new KafkaException(report.Error));
                    }
                    else
                    {
                        delivered.TrySetResult();
                    }
                });
                deliveries[i] = delivered.Task;
            }
            await Task.WhenAll(deliveries).WaitAsync(cancellationToken);
        }
        catch
        {
            // After a failed delivery the producer may be fenced or fatally failed: the next attempt starts a new one.
            DisposeProducer();
            throw;
        }
        var last = events[^1].Position;
        ReportHandled(last);
        return last;
    }

    public override void Dispose()
    {
        DisposeProducer();
        base.Dispose();
    }

    private void DisposeProducer()
    {
        _producer?.Dispose();
        _producer = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka relay publishing the event log to topic {Topic} after position {Position}")]
    private static partial void LogRelaying(ILogger logger, string topic, long position);
}
