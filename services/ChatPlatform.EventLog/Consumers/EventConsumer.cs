using ChatPlatform.Postgres;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatPlatform.EventLog;

/// <summary>
/// Reads the log from PostgreSQL, hands each event to the handler, and saves the offset after handling (at least once).
/// A failing handler is retried, never skipped.
/// </summary>
internal sealed partial class EventConsumer(
    string name,
    EventConsumerOptions options,
    EventDispatcher dispatcher,
    NpgsqlDataSource dataSource,
    LogSession session,
    MigrationStatus migrations,
    EventLogTelemetry telemetry,
    TimeProvider timeProvider,
    ILogger<EventConsumer> logger) : LogReader(name, options, dataSource, session, migrations, telemetry, timeProvider, logger)
{
    /// <summary>Hands each event to the handler in order; returns the position of the last one handled.</summary>
    private protected override async Task<long> HandleBatchAsync(List<EventRecord> events, long offset, CancellationToken cancellationToken)
    {
        var handled = offset;
        try
        {
            foreach (var e in events)
            {
                if (Options.Partition is { } partition && !partition.Owns(e.Key))
                {
                    handled = e.Position; // another partition's consumer handles it
                    continue;
                }
                var progress = handled;
                await dispatcher.HandleAsync(e, EventSource.Postgres, () => Store.SaveOffsetAsync(progress, cancellationToken), cancellationToken);
                handled = e.Position;
                ReportHandled(handled);
            }
            return handled;
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            await SaveOnStopAsync(offset, handled);
            throw;
        }
    }

    private async Task SaveOnStopAsync(long saved, long handled)
    {
        if (handled == saved)
        {
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await Store.SaveOffsetAsync(handled, timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            LogSaveOnStopFailed(Logger, e, Name); // these events will be delivered again: at least once
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event consumer {Consumer} could not save its offset while stopping; the last events will be delivered again")]
    private static partial void LogSaveOnStopFailed(ILogger logger, Exception exception, string consumer);
}
