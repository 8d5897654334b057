using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Redis;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// Where a resume reads a turn's events from: this instance's memory when the turn generates here; else the Redis
/// stream; else (Redis unreachable, or its stream incomplete) PostgreSQL, which answers the committed end as the
/// terminal event once the answer has ended. Each source ends with the terminal event, so a resume never hangs on one
/// that lost it.
/// </summary>
public sealed class TurnResumer(TurnRegistry registry, TurnEventStream eventStream, TurnStore turns, TimeProvider time)
{
    /// <summary>How often PostgreSQL is asked whether a turn read from elsewhere has ended.</summary>
    public static TimeSpan PollInterval { get; } = TimeSpan.FromSeconds(1);

    public async IAsyncEnumerable<TurnEvent> ResumeAsync(
        Guid userId, Guid conversationId, MessageState state, long after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var messageId = state.Message.Id;
        var last = after;
        if (registry.Find(messageId) is { } turn)
        {
            await foreach (var e in turn.Events.ReadAsync(after, cancellationToken))
            {
                last = e.Id;
                yield return e;
                if (e.IsTerminal)
                {
                    yield break;
                }
            }
        }
        else if (await ExistsAsync(messageId) is { } exists && (exists || state.Message.Status == MessageStatus.Streaming))
        {
            await foreach (var e in TailRedisAsync(userId, conversationId, messageId, after, cancellationToken))
            {
                last = e.Id;
                yield return e;
                if (e.IsTerminal)
                {
                    yield break;
                }
            }
        }
        if (await EndedAsync(userId, conversationId, state, cancellationToken) is { } ended
            && TurnEvent.Terminal(ended.LastEventId ?? 1, ended.Message, ended.FinishReason, ended.Usage, ended.ErrorCode, ended.ErrorDetail) is var terminal
            && terminal.Id > last)
        {
            yield return terminal;
        }
    }

    /// <summary>Null when Redis cannot be asked.</summary>
    private async Task<bool?> ExistsAsync(Guid messageId)
    {
        try
        {
            return await eventStream.ExistsAsync(messageId);
        }
        catch (RedisUnavailableException)
        {
            return null;
        }
    }

    /// <summary>The message once it is no longer streaming (polled); null when it is gone (its conversation deleted).</summary>
    private async Task<MessageState?> EndedAsync(Guid userId, Guid conversationId, MessageState state, CancellationToken cancellationToken)
    {
        MessageState? current = state;
        while (current is { Message.Status: MessageStatus.Streaming })
        {
            await Task.Delay(PollInterval, time, cancellationToken);
            current = await turns.FindAsync(userId, conversationId, state.Message.Id, cancellationToken);
        }
        return current;
    }

    /// <summary>
    /// The Redis stream's events up to the terminal one. Ends early, without it, when Redis fails, or when PostgreSQL has
    /// had the answer ended for a whole poll interval and the stream still has not brought its end (its append was lost).
    /// </summary>
    private async IAsyncEnumerable<TurnEvent> TailRedisAsync(
        Guid userId, Guid conversationId, Guid messageId, long after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var events = Channel.CreateUnbounded<TurnEvent>(new UnboundedChannelOptions { SingleWriter = true });
        var pump = PumpAsync(messageId, after, events.Writer, stop.Token);
        try
        {
            var ready = events.Reader.WaitToReadAsync(cancellationToken).AsTask();
            var tick = Task.Delay(PollInterval, time, cancellationToken);
            var endedSeen = false;
            while (true)
            {
                if (await Task.WhenAny(ready, tick) == ready)
                {
                    if (!await ready)
                    {
                        yield break;
                    }
                    while (events.Reader.TryRead(out var e))
                    {
                        yield return e;
                        if (e.IsTerminal)
                        {
                            yield break;
                        }
                    }
                    ready = events.Reader.WaitToReadAsync(cancellationToken).AsTask();
                    continue;
                }
                await tick;
                if (await turns.FindAsync(userId, conversationId, messageId, cancellationToken) is not { Message.Status: MessageStatus.Streaming })
                {
                    if (endedSeen)
                    {
                        yield break;
                    }
                    endedSeen = true;
                }
                tick = Task.Delay(PollInterval, time, cancellationToken);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await pump;
        }
    }

    private async Task PumpAsync(Guid messageId, long after, ChannelWriter<TurnEvent> writer, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in eventStream.TailAsync(messageId, after, cancellationToken))
            {
                await writer.WriteAsync(e, cancellationToken);
            }
        }
        catch (Exception e) when (e is RedisUnavailableException or OperationCanceledException)
        {
            // Redis went away (the reader goes on from PostgreSQL), or the reader is done.
        }
        finally
        {
            writer.TryComplete();
        }
    }
}
