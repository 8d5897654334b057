using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// Generates an answer detached from the request that asked for it: the request only reads the events as they come, so
/// a client that leaves stops nothing. Each event goes to that reader and to the Redis stream (for resumes, on any
/// instance); the text and a heartbeat are saved every few seconds; the end is committed once, with its usage event.
/// </summary>
public sealed partial class TurnRunner(
    ModelRouterClient router,
    TurnStore turns,
    TurnEventStream eventStream,
    TurnRegistry registry,
    TurnTelemetry telemetry,
    IOptions<TurnOptions> options,
    TimeProvider timeProvider,
    ILogger<TurnRunner> logger)
{
    /// <summary>Starts generating the answer of <paramref name="started"/>; the events are read from the returned reader.</summary>
    public ChannelReader<TurnEvent> Start(Guid userId, TurnStart.Started started, RouterModel model)
    {
        var events = Channel.CreateUnbounded<TurnEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var turn = registry.Add(started.Answer.Id);
        _ = Task.Run(async () =>
        {
            try
            {
                await RunAsync(userId, started, model, turn, events.Writer);
            }
            catch (Exception e)
            {
                LogTurnCrashed(logger, e, started.Answer.Id);
            }
            finally
            {
                events.Writer.TryComplete();
                registry.Remove(turn);
                turn.Complete();
            }
        }, CancellationToken.None);
        return events.Reader;
    }

    private async Task RunAsync(Guid userId, TurnStart.Started started, RouterModel model, RunningTurn turn, ChannelWriter<TurnEvent> reader)
    {
        telemetry.Started();
        // Should the commit itself fail, the message stays streaming without heartbeats: a sweeper ends it as interrupted.
        var status = MessageStatus.Interrupted;
        try
        {
            status = await GenerateAsync(userId, started, model, turn, reader);
        }
        finally
        {
            telemetry.Finished(status);
        }
    }

    private async Task<MessageStatus> GenerateAsync(
        Guid userId, TurnStart.Started started, RouterModel model, RunningTurn turn, ChannelWriter<TurnEvent> reader)
    {
        var answer = started.Answer;
        var progress = new Progress();
        var clock = Stopwatch.StartNew();

        // The reader gets each event at once; the Redis appends are pipelined behind it (one connection keeps them in
        // order) and awaited only before the turn ends, so the relay never waits on a Redis round trip.
        var appended = Task.CompletedTask;
        void Publish(TurnEvent e)
        {
            reader.TryWrite(e);
            appended = AppendInOrderAsync(appended, answer.Id, e);
        }

        Publish(TurnEvent.Create(progress.NextId(), TurnEvent.Started,
            new TurnStartedData(started.Conversation.Id, started.UserMessage, answer)));

        var context = ContextBuilder.Build(started.Conversation.SystemPrompt, started.ContextPath, model);
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(userId, answer.Id, progress, heartbeatStop.Token);

        RouterUsage? usage = null;
        string? finishReason = null;
        MessageStatus status;
        string? errorCode = null;
        string? errorDetail = null;
        try
        {
            await foreach (var chunk in router.StreamAsync(model.Id, context, ContextBuilder.MaxOutputTokens(model), turn.Token))
            {
                if (chunk.Text is { Length: > 0 } text)
                {
                    if (progress.Append(text))
                    {
                        telemetry.FirstToken(clock.Elapsed);
                    }
                    Publish(TurnEvent.Create(progress.NextId(), TurnEvent.Delta, new DeltaData(text)));
                }
                finishReason = chunk.FinishReason ?? finishReason;
                usage = chunk.Usage ?? usage;
            }
            status = MessageStatus.Complete;
            finishReason = usage?.FinishReason ?? finishReason ?? "stop";
        }
        catch (OperationCanceledException) when (turn.Token.IsCancellationRequested)
        {
            status = turn.End == TurnEnd.Stopped ? MessageStatus.Stopped : MessageStatus.Interrupted;
            finishReason = status == MessageStatus.Stopped ? "stopped" : null;
            (errorCode, errorDetail) = status == MessageStatus.Interrupted ? ("interrupted", TurnStore.InterruptedDetail) : (null, null);
        }
        catch (RouterException e)
        {
            status = MessageStatus.Failed;
            (errorCode, errorDetail) = (e.Code, e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException or Polly.Timeout.TimeoutRejectedException
            or System.Text.Json.JsonException)
        {
            LogRouterUnreachable(logger, e, answer.Id);
            status = MessageStatus.Failed;
            (errorCode, errorDetail) = ("router_unavailable", "The model router could not be reached.");
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
        }

        var content = progress.Text;
        var turnUsage = usage is not null
            ? new TurnUsage(usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens, usage.Estimated, usage.CostUsd, model.Id,
                usage.Deployment, usage.Provider, usage.TimeToFirstTokenMs)
            : content.Length > 0
                // The router reports usage only for whole answers; a cut one is estimated so that it is still accounted.
                ? new TurnUsage(context.Sum(m => (long)ContextBuilder.EstimateTokens(m.Content)), 0, (content.Length + 3) / 4, true, 0m,
                    model.Id, "unknown", "unknown", progress.TimeToFirstTokenMs ?? 0)
                : null;
        var terminalId = progress.NextId();
        var outcome = new TurnOutcome(status, content, finishReason, turnUsage, errorCode, errorDetail, clock.ElapsedMilliseconds, terminalId);
        // The commit must not be cancelled by the stop or the shutdown that ended the generation.
        var saved = await turns.FinishAsync(userId, answer.Id, outcome, CancellationToken.None);
        if (saved is null)
        {
            // Someone else (a sweeper that took this instance for dead) already ended it and sent its terminal event.
            LogAlreadyFinished(logger, answer.Id);
            await appended;
            return MessageStatus.Interrupted;
        }
        Publish(TurnEvent.Terminal(terminalId, saved, finishReason, turnUsage, errorCode, errorDetail));
        await appended;
        LogTurnFinished(logger, answer.Id, status, content.Length, clock.ElapsedMilliseconds);
        return status;
    }

    /// <summary>Sends the append now, then waits for the earlier ones before its own; never throws.</summary>
    private async Task AppendInOrderAsync(Task earlier, Guid messageId, TurnEvent e)
    {
        var append = eventStream.AppendAsync(messageId, e);
        await earlier;
        try
        {
            await append;
        }
        catch (Exception error) when (error is StackExchange.Redis.RedisException or TimeoutException)
        {
            // Redis holds only what resumes need; the answer goes on and is saved either way.
            LogRedisAppendFailed(logger, error, messageId, e.Id);
        }
    }

    private async Task HeartbeatAsync(Guid userId, Guid messageId, Progress progress, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var (text, lastEventId) = progress.Snapshot();
                try
                {
                    await turns.HeartbeatAsync(userId, messageId, text, lastEventId, cancellationToken);
                }
                catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
                {
                    LogHeartbeatFailed(logger, e, messageId);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The turn ended.
        }
    }

    /// <summary>The text so far and the last event's number, shared by the generation and its heartbeat.</summary>
    private sealed class Progress
    {
        private readonly StringBuilder _text = new();
        private readonly long _startedAt = Stopwatch.GetTimestamp();
        private long _lastEventId;

        public long? TimeToFirstTokenMs { get; private set; }

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public long NextId() => Interlocked.Increment(ref _lastEventId);

        /// <summary>True for the first text.</summary>
        public bool Append(string text)
        {
            lock (_text)
            {
                var first = TimeToFirstTokenMs is null;
                TimeToFirstTokenMs ??= (long)Stopwatch.GetElapsedTime(_startedAt).TotalMilliseconds;
                _text.Append(text);
                return first;
            }
        }

        public (string Text, long LastEventId) Snapshot()
        {
            lock (_text)
            {
                return (_text.ToString(), Interlocked.Read(ref _lastEventId));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Turn {MessageId} failed unexpectedly")]
    private static partial void LogTurnCrashed(ILogger logger, Exception exception, Guid messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn {MessageId}: event {EventId} could not be appended to Redis")]
    private static partial void LogRedisAppendFailed(ILogger logger, Exception exception, Guid messageId, long eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn {MessageId}: the model router could not be reached")]
    private static partial void LogRouterUnreachable(ILogger logger, Exception exception, Guid messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn {MessageId}: the heartbeat could not be saved")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception exception, Guid messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn {MessageId} was already finished by another instance")]
    private static partial void LogAlreadyFinished(ILogger logger, Guid messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Turn {MessageId} ended {Status}: {Characters} characters in {DurationMs} ms")]
    private static partial void LogTurnFinished(ILogger logger, Guid messageId, MessageStatus status, int characters, long durationMs);
}
