using System.Text.Json;
using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Components.Chat;

/// <summary>
/// Streams one turn at a time into the thread: applies its numbered events (each delta re-renders only the streaming
/// message, at most every <see cref="RenderInterval"/>), resumes from the last event after a lost connection, and
/// stops it (a stop asked before the answer has an id is sent once it has one).
/// </summary>
public sealed partial class TurnStreamer(GatewayClient gateway, ConversationThread thread, TimeProvider time, ILogger logger, CancellationToken disposed)
{
    private static readonly TimeSpan RenderInterval = TimeSpan.FromMilliseconds(33);
    private static readonly TimeSpan[] ResumeDelays = [TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)];

    private CancellationTokenSource? _reading;
    private bool _stopRequested;

    /// <summary>The answer streaming now, or null.</summary>
    public MessageState? Streaming { get; private set; }

    public bool IsStreaming => Streaming is not null;

    /// <summary>The page shows something else (a turn began or ended).</summary>
    public Action Render { get; init; } = () => { };

    /// <summary>A turn ended: the conversation list reads its new order and titles.</summary>
    public Action Ended { get; init; } = () => { };

    /// <summary>A stop sent once the answer had its id failed.</summary>
    public Action<GatewayException> StopFailed { get; init; } = _ => { };

    /// <summary>
    /// Streams one turn into <paramref name="answer"/>; the refusal when it was refused before the stream began (its
    /// messages are then taken off the thread), else null.
    /// </summary>
    public async Task<GatewayException?> RunAsync(
        Guid conversationId, MessageState answer, MessageState? user, Func<CancellationToken, IAsyncEnumerable<TurnEvent>> open)
    {
        Streaming = answer;
        _stopRequested = false;
        var cancellation = StartReading();
        Render();
        try
        {
            if (!await ConsumeAsync(conversationId, answer, user, open(cancellation.Token), cancellation.Token))
            {
                await ResumeAsync(conversationId, answer, alreadyStreaming: true);
            }
        }
        catch (GatewayException e) when (answer.Id is null)
        {
            thread.Remove(answer);
            if (user is not null)
            {
                thread.Remove(user);
            }
            return e;
        }
        catch (Exception e) when (answer.Id is not null && IsConnectionLoss(e, cancellation.Token))
        {
            await ResumeAsync(conversationId, answer, alreadyStreaming: true);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Another conversation was opened; the answer goes on at the server and is resumed when this one is opened again.
        }
        finally
        {
            End(answer);
        }
        return null;
    }

    /// <summary>Follows an answer that is streaming from its last event, retrying a lost connection a few times.</summary>
    public async Task ResumeAsync(Guid conversationId, MessageState answer, bool alreadyStreaming = false)
    {
        if (answer.Id is not { } messageId || (Streaming is not null && !alreadyStreaming))
        {
            return;
        }
        Streaming = answer;
        var cancellation = alreadyStreaming && _reading is not null ? _reading : StartReading();
        Render();
        try
        {
            foreach (var delay in ResumeDelays.Prepend(TimeSpan.Zero))
            {
                await Task.Delay(delay, time, cancellation.Token);
                try
                {
                    var events = gateway.ResumeAsync(conversationId, messageId, answer.LastEventId, cancellation.Token);
                    if (await ConsumeAsync(conversationId, answer, null, events, cancellation.Token))
                    {
                        return;
                    }
                }
                catch (Exception e) when (IsConnectionLoss(e, cancellation.Token))
                {
                    LogResumeFailed(logger, messageId, e.Message);
                }
            }
            answer.Error = "The connection was lost while the answer was streaming.";
            answer.NotifyChanged();
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
        finally
        {
            if (!alreadyStreaming)
            {
                End(answer);
            }
        }
    }

    /// <summary>Asks the streaming answer to stop; the failure, if the gateway refused it.</summary>
    public async Task<GatewayException?> StopAsync(Guid conversationId)
    {
        if (Streaming is not { } streaming)
        {
            return null;
        }
        _stopRequested = true;
        return streaming.Id is { } id ? await SignalStopAsync(conversationId, id) : null;
    }

    /// <summary>Stops reading (another conversation is opened); the answer goes on at the server.</summary>
    public void Detach()
    {
        _reading?.Cancel();
        _reading?.Dispose();
        _reading = null;
        Streaming = null;
    }

    /// <summary>Applies a turn's events; true once a terminal event (done or error) arrived.</summary>
    private async Task<bool> ConsumeAsync(
        Guid conversationId, MessageState answer, MessageState? user, IAsyncEnumerable<TurnEvent> events, CancellationToken cancellationToken)
    {
        var throttle = new RenderThrottle(answer, RenderInterval, time);
        await foreach (var turnEvent in events.WithCancellation(cancellationToken))
        {
            if (turnEvent.Id != 0 && turnEvent.Id <= answer.LastEventId)
            {
                continue;
            }
            answer.LastEventId = turnEvent.Id;
            switch (turnEvent.Type)
            {
                case TurnEvent.Started:
                    var started = turnEvent.Data.Deserialize<TurnStartedData>(JsonDefaults.Options)!;
                    if (user is not null && started.UserMessage is { } userMessage)
                    {
                        user.Apply(userMessage);
                        thread.Remember(userMessage);
                    }
                    answer.Apply(started.AssistantMessage with { Content = answer.Content });
                    answer.Notices = started.Notices ?? [];
                    thread.Remember(started.AssistantMessage);
                    if (_stopRequested && await SignalStopAsync(conversationId, started.AssistantMessage.Id) is { } failure)
                    {
                        StopFailed(failure);
                    }
                    user?.NotifyChanged();
                    answer.NotifyChanged();
                    Render();
                    break;
                case TurnEvent.Delta:
                    answer.Append(turnEvent.Data.Deserialize<DeltaData>(JsonDefaults.Options)!.Text);
                    throttle.Changed();
                    break;
                case TurnEvent.Done:
                    var done = turnEvent.Data.Deserialize<DoneData>(JsonDefaults.Options)!;
                    answer.Apply(done.Message);
                    answer.ApplyUsage(done.Usage);
                    answer.FinishReason = done.FinishReason;
                    answer.Error = null;
                    answer.NotifyChanged();
                    return true;
                case TurnEvent.Error:
                    var error = turnEvent.Data.Deserialize<ErrorData>(JsonDefaults.Options)!;
                    answer.Apply(error.Message);
                    answer.Error = ErrorText(error);
                    answer.NotifyChanged();
                    return true;
            }
        }
        throttle.Flush();
        return false;
    }

    private async Task<GatewayException?> SignalStopAsync(Guid conversationId, Guid messageId)
    {
        try
        {
            await gateway.StopAsync(conversationId, messageId, disposed);
            return null;
        }
        catch (GatewayException e)
        {
            return e;
        }
    }

    private static string ErrorText(ErrorData error) => error.Code switch
    {
        "rate_limited" => "Rate limited: " + (error.Detail ?? "wait a moment and retry."),
        _ when error.Message.Status == MessageStatus.Interrupted => "The answer was interrupted. " + error.Detail,
        _ => "The model failed to answer. " + error.Detail,
    };

    private CancellationTokenSource StartReading()
    {
        _reading?.Cancel();
        _reading?.Dispose();
        _reading = CancellationTokenSource.CreateLinkedTokenSource(disposed);
        return _reading;
    }

    private void End(MessageState answer)
    {
        if (disposed.IsCancellationRequested)
        {
            return;
        }
        if (ReferenceEquals(Streaming, answer))
        {
            Streaming = null;
            _stopRequested = false;
        }
        answer.NotifyChanged();
        Render();
        Ended();
    }

    private static bool IsConnectionLoss(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && e is IOException or HttpRequestException or GatewayException { Status: 0 or >= 500 };

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming the answer {MessageId} failed: {Reason}")]
    private static partial void LogResumeFailed(ILogger logger, Guid messageId, string reason);
}
