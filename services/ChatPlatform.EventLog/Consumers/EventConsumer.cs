using System.Diagnostics;
using System.Diagnostics.Metrics;
using ChatPlatform.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatPlatform.EventLog;

/// <summary>
/// Reads the log after its offset, hands each event to the handler, and saves the offset after handling (at least once).
/// Woken by NOTIFY, polling as the fallback; a failing handler is retried, never skipped.
/// </summary>
internal sealed partial class EventConsumer(
    string name,
    Type handlerType,
    EventConsumerOptions options,
    NpgsqlDataSource dataSource,
    IServiceScopeFactory scopes,
    MigrationStatus migrations,
    EventLogTelemetry telemetry,
    TimeProvider timeProvider,
    ILogger<EventConsumer> logger) : BackgroundService
{
    private static readonly TimeSpan FirstBlockedDelay = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan MaxBlockedDelay = TimeSpan.FromMilliseconds(250);
    private readonly ConsumerStore _store = new(dataSource, name, timeProvider);
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
                var delay = Backoff(++_connectionFailures);
                LogRunFailed(logger, e, name, delay);
                await Task.Delay(delay, timeProvider, stoppingToken);
            }
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        await using var listener = await LogListener.OpenAsync(dataSource, name, stoppingToken);
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
        var keepAlive = options.PollInterval < TimeSpan.FromSeconds(10) ? options.PollInterval : TimeSpan.FromSeconds(10);
        var listening = listener.ListenAsync(keepAlive, running.Token);
        var consuming = ConsumeAsync(listener, running.Token);
        var ended = await Task.WhenAny(listening, consuming);
        await running.CancelAsync();
        await Task.WhenAll(listening, consuming).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stoppingToken.ThrowIfCancellationRequested();
        await ended; // the listen connection dropped or the database failed: start over
    }

    private async Task ConsumeAsync(LogListener listener, CancellationToken cancellationToken)
    {
        var offset = await _store.LoadOffsetAsync(cancellationToken);
        var positions = new FinalPositions(offset);
        SetLag(offset, offset);
        var blockedDelay = TimeSpan.Zero;
        while (true)
        {
            if (positions.Final <= offset)
            {
                var (allocated, idBound) = await _store.ReadAllocatedAsync(positions.LastObserved, cancellationToken);
                positions.Observe(allocated, idBound);
                positions.Resolve(await _store.ReadOldestRunningAsync(cancellationToken));
                SetLag(allocated, offset);
                _connectionFailures = 0;
            }
            if (positions.Final > offset)
            {
                var final = positions.Final;
                var events = (await _store.ReadAsync(offset, options.BatchSize, cancellationToken)).TakeWhile(e => e.Position <= final).ToList();
                var handled = await HandleBatchAsync(events, offset, cancellationToken);
                // Short of a full batch, everything up to the final position was read; what was not there never will be.
                offset = events.Count < options.BatchSize ? final : handled;
                await _store.SaveOffsetAsync(offset, cancellationToken);
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

    /// <summary>Hands each event to the handler in order; returns the position of the last one handled.</summary>
    private async Task<long> HandleBatchAsync(List<EventRecord> events, long offset, CancellationToken cancellationToken)
    {
        var handled = offset;
        try
        {
            foreach (var e in events)
            {
                if (options.Partition is { } partition && !partition.Owns(e.Key))
                {
                    handled = e.Position; // another partition's consumer handles it
                    continue;
                }
                var progress = handled;
                await HandleAsync(e, () => _store.SaveOffsetAsync(progress, cancellationToken), cancellationToken);
                handled = e.Position;
                SetLag(Volatile.Read(ref _allocated), handled);
            }
            return handled;
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            await SaveOnStopAsync(offset, handled);
            throw;
        }
    }

    private async Task HandleAsync(EventRecord e, Func<Task> saveProgress, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            Exception failure;
            using (var activity = StartActivity(e, attempt))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var handler = (IEventHandler)scope.ServiceProvider.GetRequiredService(handlerType);
                    await handler.HandleAsync(e, cancellationToken);
                    telemetry.Consumed(name, e.Type);
                    return;
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = exception;
                    activity?.AddException(exception);
                    activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
                }
            }
            telemetry.Failed(name, e.Type);
            var delay = Backoff(attempt);
            LogHandlerFailed(logger, failure, name, e.Id, e.Type, e.Position, attempt, delay);
            if (attempt == 1)
            {
                await saveProgress(); // what was handled before this event stays handled, however long this takes
            }
            await Task.Delay(delay, timeProvider, cancellationToken);
        }
    }

    private Activity? StartActivity(EventRecord e, int attempt)
    {
        if (!EventLogTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }
        // The handler continues the producer's trace and links to it, as messaging conventions suggest.
        ActivityContext.TryParse(e.TraceParent, null, isRemote: true, out var producer);
        var activity = EventLogTelemetry.ActivitySource.StartActivity(
            $"{name} process",
            ActivityKind.Consumer,
            producer,
            links: producer == default ? null : [new ActivityLink(producer)]);
        activity?.SetTag("messaging.system", "postgresql");
        activity?.SetTag("messaging.operation.type", "process");
        activity?.SetTag("messaging.destination.name", EventLog.Channel);
        activity?.SetTag("messaging.consumer.group.name", name);
        activity?.SetTag("messaging.message.id", e.Id.ToString());
        activity?.SetTag("chatplatform.event.type", e.Type);
        activity?.SetTag("chatplatform.event.position", e.Position);
        activity?.SetTag("chatplatform.event.attempt", attempt);
        return activity;
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
            await _store.SaveOffsetAsync(handled, timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            LogSaveOnStopFailed(logger, e, name); // these events will be delivered again: at least once
        }
    }

    private TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(options.RetryDelay.Ticks * (1L << Math.Min(failures - 1, 20)), options.MaxRetryDelay.Ticks));

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

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Event consumer {Consumer} failed on event {EventId} ({EventType}, position {Position}), attempt {Attempt}; retrying in {Delay}")]
    private static partial void LogHandlerFailed(
        ILogger logger, Exception exception, string consumer, Guid eventId, string eventType, long position, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event consumer {Consumer} lost its connection or failed reading; starting over in {Delay}")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string consumer, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event consumer {Consumer} could not save its offset while stopping; the last events will be delivered again")]
    private static partial void LogSaveOnStopFailed(ILogger logger, Exception exception, string consumer);
}
