using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Postgres;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// On every instance: finds streaming answers whose instance stopped sending heartbeats (it crashed or was killed, or it
/// stopped with a commit that failed), marks them <c>interrupted</c> with the most complete text known (the Redis stream's
/// deltas or the row's last save), records their end as the owner would have (<c>message.completed</c> and an estimated
/// <c>usage.recorded</c>), and appends the terminal <c>error</c> event so that clients tailing the stream finish. The conditional update lets only one
/// sweeper win each answer, so running many is safe. The rows of instances long gone are removed once none of their
/// answers streams.
/// </summary>
public sealed partial class StaleTurnSweeper(
    TurnStore turns,
    InstanceStore instances,
    TurnEventStream eventStream,
    MigrationStatus migrations,
    TurnTelemetry telemetry,
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

    /// <summary>One pass; the number of answers this sweeper marked interrupted.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = timeProvider.GetUtcNow() - options.Value.StaleAfter;
        var marked = 0;
        foreach (var stale in await turns.FindStaleAsync(cutoff, BatchSize, cancellationToken))
        {
            var events = await ReadEventsAsync(stale.MessageId);
            if (events.Any(e => e.IsTerminal))
            {
                // Owners commit before they send the end, so this is a commit lost after all; the row must not stay streaming.
                LogTerminalWithoutCommit(logger, stale.MessageId);
            }
            var streamed = string.Concat(events.Where(e => e.Type == TurnEvent.Delta).Select(e => System.Text.Json.JsonSerializer
                .Deserialize<DeltaData>(e.Data, JsonDefaults.Options)!.Text));
            var content = streamed.Length > stale.Content.Length ? streamed : stale.Content;
            var terminalId = Math.Max(stale.LastEventId, events.Count == 0 ? 0 : events.Max(e => e.Id)) + 1;
            if (await turns.InterruptStaleAsync(stale.UserId, stale.ConversationId, stale.MessageId, content, terminalId, cutoff, cancellationToken) is not { } message)
            {
                continue;
            }
            marked++;
            telemetry.Swept();
            LogInterrupted(logger, stale.MessageId, content.Length);
            if (!events.Any(e => e.IsTerminal))
            {
                await eventStream.AppendAsync(stale.MessageId,
                    TurnEvent.Terminal(terminalId, message, null, null, "interrupted", TurnStore.InterruptedDetail));
            }
        }
        await instances.RemoveGoneAsync(timeProvider.GetUtcNow() - InstanceRowLifetime, cancellationToken);
        return marked;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn {MessageId} has a terminal event in Redis but was still streaming in PostgreSQL")]
    private static partial void LogTerminalWithoutCommit(ILogger logger, Guid messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn {MessageId}: Redis could not be read; using the saved text")]
    private static partial void LogRedisUnavailable(ILogger logger, Exception exception, Guid messageId);
}
