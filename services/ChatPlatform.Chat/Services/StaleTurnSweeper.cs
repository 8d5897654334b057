using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Postgres;
using ChatPlatform.Quotas;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// On every instance: finds streaming answers whose instance stopped sending heartbeats (it crashed or was killed, or it
/// stopped with a commit that failed), marks them <c>interrupted</c> with the most complete text known (the Redis stream's
/// deltas or the row's last save), records their end as the owner would have (<c>message.completed</c> and an estimated
/// <c>usage.recorded</c>, carrying the answer's quota hold for billing to settle, or freeing the hold when there is no usage),
/// and appends the terminal <c>error</c> event so that clients tailing the stream finish. The conditional update lets only one
/// sweeper win each answer, so running many is safe. The rows of instances long gone are removed once none of their
/// answers streams. It also ends this instance's own answers that no turn here generates any more (an end that could not
/// be saved, a generation that failed unexpectedly): while the instance lives its heartbeat would keep them streaming
/// forever. Those are marked <c>failed</c> once older than <see cref="TurnOptions.StaleAfter"/> (a turn is registered a
/// moment after its row is committed).
/// </summary>
public sealed partial class StaleTurnSweeper(
    TurnStore turns,
    TurnRegistry registry,
    InstanceStore instances,
    TurnEventStream eventStream,
    MigrationStatus migrations,
    TurnTelemetry telemetry,
    QuotaGate quotas,
    IOptions<TurnOptions> options,
    TimeProvider timeProvider,
    ILogger<StaleTurnSweeper> logger) : BackgroundService
{
    private const int BatchSize = 100;

    /// <summary>
    /// How long an instance's row outlives its last heartbeat (a cleanly stopped one's is dated to the beginning of time). Long
    /// past any sweep of its answers, so that an instance alive but silent that long is the only one that could still add one.
    /// </summary>
    private static readonly TimeSpan InstanceRowLifetime = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await migrations.WhenAppliedAsync("chat", stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        using var timer = new PeriodicTimer(options.Value.SweepInterval, timeProvider);
        while (await timer.WaitForNextTickOrStopAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(logger, e);
            }
        }
    }

    /// <summary>One pass; the number of answers this sweeper ended (interrupted, or failed for its own orphans).</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = timeProvider.GetUtcNow() - options.Value.StaleAfter;
        var marked = 0;
        foreach (var stale in await turns.FindStaleAsync(cutoff, BatchSize, cancellationToken))
        {
            var (events, content, terminalId) = await ReadStreamedAsync(stale);
            if (events.Any(e => e.IsTerminal))
            {
                // Owners commit before they send the end, so this is a commit lost after all; the row must not stay streaming.
                LogTerminalWithoutCommit(logger, stale.MessageId);
            }
            if (await turns.InterruptStaleAsync(stale.UserId, stale.ConversationId, stale.MessageId, content, terminalId, cutoff, cancellationToken)
                is not { } ended)
            {
                continue;
            }
            var message = ended.Message;
            await quotas.ReleaseAsync(stale.UserId, ended.UnsettledReservationId);
            marked++;
            telemetry.Swept();
            LogInterrupted(logger, stale.MessageId, content.Length);
            if (!events.Any(e => e.IsTerminal))
            {
                await eventStream.AppendAsync(stale.MessageId,
                    TurnEvent.Terminal(terminalId, message, null, null, "interrupted", TurnStore.InterruptedDetail));
            }
        }
        foreach (var orphan in await turns.FindOwnStreamingAsync(cutoff, BatchSize, cancellationToken))
        {
            if (registry.IsRunning(orphan.MessageId))
            {
                continue;
            }
            var (events, content, terminalId) = await ReadStreamedAsync(orphan);
            // The owner sent its end when the save failed (TurnRunner): the row then says what the client was told.
            var (code, detail) = events.LastOrDefault(e => e.Type == TurnEvent.Error) is { } sent
                && System.Text.Json.JsonSerializer.Deserialize<ErrorData>(sent.Data, JsonDefaults.Options) is { } error
                ? (error.Code, error.Detail)
                : (TurnRunner.SaveFailedCode, TurnRunner.SaveFailedDetail);
            if (await turns.FailOrphanedAsync(orphan.UserId, orphan.ConversationId, orphan.MessageId, content, terminalId, code, detail, cancellationToken)
                is not { } ended)
            {
                continue;
            }
            var message = ended.Message;
            await quotas.ReleaseAsync(orphan.UserId, ended.UnsettledReservationId);
            marked++;
            telemetry.Swept();
            LogOrphanFailed(logger, orphan.MessageId, content.Length);
            if (!events.Any(e => e.IsTerminal))
            {
                await eventStream.AppendAsync(orphan.MessageId, TurnEvent.Terminal(terminalId, message, null, null, code, detail));
            }
        }
        await instances.RemoveGoneAsync(timeProvider.GetUtcNow() - InstanceRowLifetime, cancellationToken);
        return marked;
    }

    /// <summary>The answer's events in Redis, its most complete text (the deltas or the row's last save), the number of its end.</summary>
    private async Task<(IReadOnlyList<TurnEvent> Events, string Content, long TerminalId)> ReadStreamedAsync(StaleAnswer answer)
    {
        var events = await ReadEventsAsync(answer.MessageId);
        var streamed = string.Concat(events.Where(e => e.Type == TurnEvent.Delta).Select(e => System.Text.Json.JsonSerializer
            .Deserialize<DeltaData>(e.Data, JsonDefaults.Options)!.Text));
        var content = streamed.Length > answer.Content.Length ? streamed : answer.Content;
        var terminalId = events.FirstOrDefault(e => e.IsTerminal)?.Id
            ?? Math.Max(answer.LastEventId, events.Count == 0 ? 0 : events.Max(e => e.Id)) + 1;
        return (events, content, terminalId);
    }

    private async Task<IReadOnlyList<TurnEvent>> ReadEventsAsync(Guid messageId)
    {
        try
        {
            return await eventStream.ReadAllAsync(messageId);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            LogRedisUnavailable(logger, e, messageId);
            return [];
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn sweep failed; retrying at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn {MessageId} lost its owner: marked interrupted with {Characters} characters")]
    private static partial void LogInterrupted(ILogger logger, Guid messageId, int characters);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn {MessageId} was no longer generated by its own instance: marked failed with {Characters} characters")]
    private static partial void LogOrphanFailed(ILogger logger, Guid messageId, int characters);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn {MessageId} has a terminal event in Redis but was still streaming in PostgreSQL")]
    private static partial void LogTerminalWithoutCommit(ILogger logger, Guid messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn {MessageId}: Redis could not be read; using the saved text")]
    private static partial void LogRedisUnavailable(ILogger logger, Exception exception, Guid messageId);
}
