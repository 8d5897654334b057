using System.Diagnostics;
using System.Threading.Channels;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// Generates an answer detached from the request that asked for it: the request only reads the events as they come, so
/// a client that leaves stops nothing. Each event goes to that reader and to the Redis stream (for resumes, on any
/// instance); <see cref="InstanceHeartbeat"/> keeps the instance alive and saves the text now and then; the end is
/// committed once, with its usage event.
/// </summary>
public sealed partial class TurnRunner(
    ModelRouterClient router,
    TurnStore turns,
    TurnEventStream eventStream,
    TurnRegistry registry,
    TurnQuotas quotas,
    TurnTelemetry telemetry,
    IOptions<TurnOptions> options,
    TimeProvider timeProvider,
    ILogger<TurnRunner> logger)
{
    /// <summary>Starts generating the answer of <paramref name="started"/>; the events are read from the returned reader.</summary>
    /// <paramref name="reservationId"/>: the quota hold of the turn, settled by billing from the usage event or released here.
    public ChannelReader<TurnEvent> Start(Guid userId, TurnStart.Started started, RouterModel model, TurnFiles files, string? reservationId = null)
    {
        var events = Channel.CreateUnbounded<TurnEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var progress = new TurnProgress();
        var turn = registry.Add(started.Answer.Id, userId, progress);
        // The conversation's path is needed only to write the request, the question only for the first event: the turn
        // holds neither while the answer streams.
        // Nor the files: only what a citation names of each source is kept, to read the answer's markers at its end.
        var context = ContextBuilder.Build(started.Conversation.SystemPrompt, started.ContextPath, model, files);
        var prepared = new PreparedTurn(
            new TurnStartedData(started.Conversation.Id, started.UserMessage, started.Answer, files.Notices),
            router.StreamAsync(userId, model.Id, context, ConversationParameters.MaxOutputTokens(started.Conversation, model), turn.Token,
                ConversationParameters.Temperature(started.Conversation, model)),
            context.Sum(m => (long)ContextBuilder.EstimateTokens(m)),
            CitationFinder.Sources(files.Context),
            reservationId)
        {
            // Files' passages depend on the question, and a continue's instruction is sent once: the next prompt is then unknown.
            NextPromptKnown = files.Context.Passages.Count == 0 && files.Context.Images.Count == 0 && started.ContextPath.All(m => m.Id is not null),
        };
        started = started with { UserMessage = null, ContextPath = [] };
        _ = Task.Run(async () =>
        {
            try
            {
                await RunAsync(userId, started, model, prepared, turn, progress, events.Writer);
            }
            catch (Exception e)
            {
                LogTurnCrashed(logger, e, started.Answer.Id);
            }
            finally
            {
                events.Writer.TryComplete();
                turn.Events.Complete();
                registry.Remove(turn);
                turn.Complete();
            }
        }, CancellationToken.None);
        return events.Reader;
    }

    private async Task RunAsync(
        Guid userId, TurnStart.Started started, RouterModel model, PreparedTurn prepared, RunningTurn turn, TurnProgress progress,
        ChannelWriter<TurnEvent> reader)
    {
        telemetry.Started();
        // Should the generation itself fail unexpectedly, the message stays streaming: this instance's sweeper ends it.
        var status = MessageStatus.Interrupted;
        try
        {
            status = await GenerateAsync(userId, started, model, prepared, turn, progress, reader);
        }
        finally
        {
            telemetry.Finished(status);
        }
    }

    private async Task<MessageStatus> GenerateAsync(
        Guid userId, TurnStart.Started started, RouterModel model, PreparedTurn prepared, RunningTurn turn, TurnProgress progress,
        ChannelWriter<TurnEvent> reader)
    {
        var answer = started.Answer;
        var clock = Stopwatch.StartNew();

        // The reader gets each event at once; the Redis appends are pipelined behind it (one connection keeps them in
        // order) and awaited only before the turn ends, so the relay never waits on a Redis round trip.
        var appends = new RedisAppends(eventStream, answer.Id, logger);
        void Publish(TurnEvent e)
        {
            reader.TryWrite(e);
            turn.Events.Add(e);
            appends.Append(e);
        }

        Publish(TurnEvent.Create(progress.NextId(), TurnEvent.Started, prepared.TakeStarted()));

        RouterUsage? usage = null;
        string? finishReason = null;
        MessageStatus status;
        string? errorCode = null;
        string? errorDetail = null;
        using var deltas = new DeltaBatch(options.Value.DeltaWindow, timeProvider,
            text => Publish(TurnEvent.Create(progress.NextId(), TurnEvent.Delta, new DeltaData(text))));
        try
        {
            await using var chunks = prepared.Chunks.GetAsyncEnumerator(turn.Token);
            while (await deltas.MoveNextAsync(chunks))
            {
                var chunk = chunks.Current;
                // PostgreSQL's text cannot hold NUL: a model that sends one would make the answer impossible to save.
                if (chunk.Text?.Replace("\0", "", StringComparison.Ordinal) is { Length: > 0 } text)
                {
                    if (progress.Append(text))
                    {
                        telemetry.FirstToken(clock.Elapsed);
                    }
                    deltas.Add(text);
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

        // However the answer ended, the deltas carry all of its text before the terminal event.
        deltas.Flush();
        var content = progress.Text;
        var turnUsage = usage is not null
            ? new TurnUsage(usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens, usage.Estimated, usage.CostUsd, model.Id,
                usage.Deployment, usage.Provider, usage.TimeToFirstTokenMs)
            // The router reports usage only for whole answers; a cut one is estimated so that it is still accounted.
            : TurnUsage.Estimate(prepared.EstimatedInputTokens, content, model.Id, progress.TimeToFirstTokenMs ?? 0);
        var terminalId = progress.NextId();
        var citations = CitationFinder.Find(content, prepared.Sources);
        var outcome = new TurnOutcome(
            status, content, finishReason, turnUsage, errorCode, errorDetail, clock.ElapsedMilliseconds, terminalId, citations, prepared.ReservationId);
        Message? saved;
        try
        {
            saved = await FinishAsync(userId, answer, outcome);
        }
        catch (Exception e)
        {
            // Whatever the error, the client must not wait for an end that will never come: it gets one now. The answer leaves
            // this instance's registry while its row still says streaming, so this instance's sweeper marks it failed.
            LogFinishFailed(logger, e, answer.Id);
            // No usage event carries the hold to billing: free it now rather than after it lapses.
            await quotas.ReleaseAsync(userId, prepared.ReservationId);
            var failed = answer with { Content = content, Status = MessageStatus.Failed };
            Publish(TurnEvent.Terminal(terminalId, failed, null, turnUsage, SaveFailedCode, SaveFailedDetail));
            await appends.Completion;
            return MessageStatus.Failed;
        }
        if (saved is null)
        {
            // Someone else (a sweeper that took this instance for dead) already ended it and sent its terminal event.
            LogAlreadyFinished(logger, answer.Id);
            await quotas.ReleaseAsync(userId, prepared.ReservationId);
            await appends.Completion;
            return MessageStatus.Interrupted;
        }
        quotas.Answered(userId, started.Conversation, prepared.EstimatedInputTokens, content, prepared.NextPromptKnown);
        if (turnUsage is null)
        {
            // Nothing generated and no usage reported (refused by the router, stopped before the first token): no usage
            // event carries the hold to billing, so it is freed now rather than after it lapses.
            await quotas.ReleaseAsync(userId, prepared.ReservationId);
        }
        Publish(TurnEvent.Terminal(terminalId, saved, finishReason, turnUsage, errorCode, errorDetail));
        await appends.Completion;
        LogTurnFinished(logger, answer.Id, status, content.Length, clock.ElapsedMilliseconds);
        return status;
    }

    /// <summary>The code of the <c>error</c> event of an answer whose end could not be saved.</summary>
    public const string SaveFailedCode = "save_failed";

    public const string SaveFailedDetail = "The answer could not be saved.";

    /// <summary>
    /// Commits the end, trying again through a brief database outage: this instance's heartbeat keeps the answer its own,
    /// so no other instance's sweeper would end it while the instance lives. Not cancelled by the stop or the shutdown that
    /// ended the generation; should every try fail, this instance's sweeper finds the answer streaming but no longer
    /// running here and marks it failed (and a stop's retirement hands it to the other instances' sweepers).
    /// </summary>
    private async Task<Message?> FinishAsync(Guid userId, Message answer, TurnOutcome outcome)
    {
        foreach (var delay in FinishRetryDelays)
        {
            try
            {
                return await turns.FinishAsync(userId, answer, outcome, CancellationToken.None);
            }
            // Any database error: a transient one may pass, and trying a permanent one again costs only the wait.
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
            {
                LogFinishRetried(logger, e, answer.Id, delay.TotalSeconds);
                await Task.Delay(delay, timeProvider);
            }
        }
        return await turns.FinishAsync(userId, answer, outcome, CancellationToken.None);
    }

    private static readonly TimeSpan[] FinishRetryDelays =
        [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(10)];

    /// <summary>
    /// A turn's appends to its Redis stream, in order. Redis holds only what resumes on other instances need: a failed
    /// append is logged once per turn (the breaker logs the outage) and the answer goes on and is saved either way.
    /// </summary>
    private sealed class RedisAppends(TurnEventStream eventStream, Guid messageId, ILogger logger)
    {
        private int _failed;

        public Task Completion { get; private set; } = Task.CompletedTask;

        public void Append(TurnEvent e) => Completion = AppendAfterAsync(Completion, e);

        /// <summary>Sends the append now, then waits for the earlier ones before its own; never throws.</summary>
        private async Task AppendAfterAsync(Task earlier, TurnEvent e)
        {
            var append = eventStream.AppendAsync(messageId, e);
            await earlier;
            try
            {
                await append;
            }
            catch (StackExchange.Redis.RedisException error)
            {
                if (Interlocked.Exchange(ref _failed, 1) == 0)
                {
                    LogRedisAppendFailed(logger, error, messageId, e.Id);
                }
            }
        }
    }

    /// <summary>
    /// What a generation starts from: the first event's data, taken once; the router's stream, not yet read; the size of the
    /// context it was sent (for a cut answer's usage); what each numbered source a citation may name is.
    /// </summary>
    private sealed class PreparedTurn(
        TurnStartedData started, IAsyncEnumerable<RouterChunk> chunks, long estimatedInputTokens, IReadOnlyDictionary<int, Citation> sources,
        string? reservationId)
    {
        public string? ReservationId { get; } = reservationId;

        public IReadOnlyDictionary<int, Citation> Sources { get; } = sources;

        private TurnStartedData? _started = started;

        public IAsyncEnumerable<RouterChunk> Chunks { get; } = chunks;

        public long EstimatedInputTokens { get; } = estimatedInputTokens;

        /// <summary>Whether the next question's prompt is this one and the answer (<see cref="NextPrompts"/>).</summary>
        public bool NextPromptKnown { get; init; }

        public TurnStartedData TakeStarted() =>
            Interlocked.Exchange(ref _started, null) ?? throw new InvalidOperationException("The turn has already started.");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Turn {MessageId} failed unexpectedly")]
    private static partial void LogTurnCrashed(ILogger logger, Exception exception, Guid messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn {MessageId}: event {EventId} could not be appended to Redis (and perhaps later ones; resumes here read memory, elsewhere PostgreSQL)")]
    private static partial void LogRedisAppendFailed(ILogger logger, Exception exception, Guid messageId, long eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn {MessageId}: the model router could not be reached")]
    private static partial void LogRouterUnreachable(ILogger logger, Exception exception, Guid messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn {MessageId}: its end could not be saved; trying again in {DelaySeconds} s")]
    private static partial void LogFinishRetried(ILogger logger, Exception exception, Guid messageId, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Turn {MessageId}: its end could not be saved; sent as failed, left to the sweeper")]
    private static partial void LogFinishFailed(ILogger logger, Exception exception, Guid messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn {MessageId} was already finished by another instance")]
    private static partial void LogAlreadyFinished(ILogger logger, Guid messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Turn {MessageId} ended {Status}: {Characters} characters in {DurationMs} ms")]
    private static partial void LogTurnFinished(ILogger logger, Guid messageId, MessageStatus status, int characters, long durationMs);
}
