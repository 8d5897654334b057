using System.Diagnostics;
using System.Diagnostics.Metrics;
using ChatPlatform.Postgres;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatPlatform.EventLog;

/// <summary>
/// Reads the log after its offset in position order, only as far as positions are final (no gap can still fill), one
/// instance per name at a time, woken by NOTIFY with polling as the fallback; hands each batch to
/// <see cref="HandleBatchAsync"/> and saves the offset after it (at least once). A consumer's handler and the Kafka
/// relay are its two readers.
/// </summary>
internal abstract partial class LogReader(
    string name,
    EventConsumerOptions options,
    NpgsqlDataSource dataSource,
    LogSession session,
    MigrationStatus migrations,
    EventLogTelemetry telemetry,
    TimeProvider timeProvider,
    ILogger logger) : BackgroundService
{
    private static readonly TimeSpan FirstBlockedDelay = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan MaxBlockedDelay = TimeSpan.FromMilliseconds(250);
    private protected ConsumerStore Store { get; } = new(dataSource, name, timeProvider);

    private protected string Name => name;

    private protected EventConsumerOptions Options => options;

    private protected ILogger Logger => logger;
    private int _connectionFailures;
    private long _allocated;
    private long _handled;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Activity.Current = null; // each handled event starts its own span, parented by the event's trace
        telemetry.ObserveLag(ObserveLag);
        await migrations.WhenAppliedAsync(EventLog.Schema, stoppingToken);
        while (true)
        {
            try
            {
                await RunAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                var delay = options.Backoff(++_connectionFailures);
                LogRunFailed(logger, e, name, delay);
                await Task.Delay(delay, timeProvider, stoppingToken);
            }
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        await using var listener = await session.JoinAsync(name, stoppingToken);
        if (!await listener.TryLeadAsync(stoppingToken))
        {
            LogStandingBy(logger, name);
            do
            {
                await listener.IdleAsync(options.PollInterval, stoppingToken);
            }
            while (!await listener.TryLeadAsync(stoppingToken));
        }
        LogLeading(logger, name);

        using var running = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var listening = listener.ListenAsync(running.Token);
        var consuming = ConsumeAsync(listener, running.Token);
        var ended = await Task.WhenAny(listening, consuming);
        await running.CancelAsync();
        await Task.WhenAll(listening, consuming).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stoppingToken.ThrowIfCancellationRequested();
        await ended; // the listen session was lost or the database failed: start over
    }

    private async Task ConsumeAsync(LogListener listener, CancellationToken cancellationToken)
    {
        var offset = await LoadOffsetAsync(cancellationToken);
        var positions = new FinalPositions(offset);
        SetLag(offset, offset);
        var blockedDelay = TimeSpan.Zero;
        while (true)
        {
            if (positions.Final <= offset)
            {
                var (allocated, idBound) = await Store.ReadAllocatedAsync(positions.LastObserved, cancellationToken);
                positions.Observe(allocated, idBound);
                positions.Resolve(await Store.ReadOldestRunningAsync(cancellationToken));
                SetLag(allocated, offset);
                _connectionFailures = 0;
            }
            if (positions.Final > offset)
            {
                var final = positions.Final;
                var events = (await Store.ReadAsync(offset, options.BatchSize, cancellationToken)).TakeWhile(e => e.Position <= final).ToList();
                var handled = await HandleBatchAsync(events, offset, cancellationToken);
                // Short of a full batch, everything up to the final position was read; what was not there never will be.
                offset = events.Count < options.BatchSize ? final : handled;
                await Store.SaveOffsetAsync(offset, cancellationToken);
                blockedDelay = TimeSpan.Zero;
                if (events.Count < options.BatchSize)
                {
                    await WakeDelayAsync(cancellationToken);
                }
                continue;
            }
            if (positions.HasPending)
            {
                // A transaction that may hold an earlier position is still running: look again soon, or when notified.
                blockedDelay = blockedDelay == TimeSpan.Zero ? FirstBlockedDelay
                    : TimeSpan.FromTicks(Math.Min(blockedDelay.Ticks * 2, Math.Min(MaxBlockedDelay.Ticks, options.PollInterval.Ticks)));
                await listener.WaitForNotificationAsync(blockedDelay, cancellationToken);
                continue;
            }
            await listener.WaitForNotificationAsync(options.PollInterval, cancellationToken);
            await WakeDelayAsync(cancellationToken);
        }
    }

    /// <summary>Between passes that are not catching up, at most one pass per <see cref="EventConsumerOptions.WakeDelay"/>.</summary>
    private Task WakeDelayAsync(CancellationToken cancellationToken) =>
        options.WakeDelay > TimeSpan.Zero ? Task.Delay(options.WakeDelay, timeProvider, cancellationToken) : Task.CompletedTask;

    /// <summary>Where reading starts: the saved offset, 0 for a new name.</summary>
    private protected virtual Task<long> LoadOffsetAsync(CancellationToken cancellationToken) => Store.LoadOffsetAsync(cancellationToken);

    /// <summary>Handles <paramref name="events"/> (in position order, after <paramref name="offset"/>); returns the position handled up to.</summary>
    private protected abstract Task<long> HandleBatchAsync(List<EventRecord> events, long offset, CancellationToken cancellationToken);

    /// <summary>For the lag gauge: every event up to <paramref name="handled"/> is handled.</summary>
    private protected void ReportHandled(long handled) => SetLag(Volatile.Read(ref _allocated), handled);

    private void SetLag(long allocated, long handled)
    {
        Volatile.Write(ref _allocated, allocated);
        Volatile.Write(ref _handled, handled);
    }

    // Positions handed out after this consumer's offset: events to go, plus any positions of rolled-back appends.
    private Measurement<long> ObserveLag() =>
        new(Math.Max(0, Volatile.Read(ref _allocated) - Volatile.Read(ref _handled)),
            new KeyValuePair<string, object?>("messaging.consumer.group.name", name));

    [LoggerMessage(Level = LogLevel.Information, Message = "Event consumer {Consumer} is reading the log")]
    private static partial void LogLeading(ILogger logger, string consumer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event consumer {Consumer} is standing by: another instance is reading the log")]
    private static partial void LogStandingBy(ILogger logger, string consumer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event consumer {Consumer} lost its connection or failed reading; starting over in {Delay}")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string consumer, TimeSpan delay);
}
