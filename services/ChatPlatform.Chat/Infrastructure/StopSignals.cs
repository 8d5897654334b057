using ChatPlatform.Redis;
using StackExchange.Redis;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// Stop requests across instances: Redis pub/sub on <c>chat:stop</c>, the message id as the payload. Whichever instance
/// owns the turn stops it; the others ignore the id. Best effort: the instance that takes the stop request stops its own
/// turns itself (<see cref="Services.TurnRegistry.Stop"/>), so a stop still works there while Redis is unreachable.
/// </summary>
public sealed partial class StopSignals(RedisBreaker redis, ILogger<StopSignals> logger)
{
    private static readonly RedisChannel Channel = RedisChannel.Literal("chat:stop");

    /// <summary>Tells the other instances; false when Redis could not be reached.</summary>
    public async Task<bool> PublishAsync(Guid messageId)
    {
        try
        {
            await redis.RunAsync(r => r.GetSubscriber().PublishAsync(Channel, messageId.ToString()));
            return true;
        }
        catch (RedisUnavailableException)
        {
            return false;
        }
    }

    /// <summary>
    /// Subscribes even while Redis is down: the multiplexer keeps the subscription and makes it again whenever it
    /// reconnects, so a start during an outage must not fail on it.
    /// </summary>
    public async Task SubscribeAsync(Action<Guid> onStop)
    {
        try
        {
            await redis.Connection.GetSubscriber().SubscribeAsync(Channel, (_, value) =>
            {
                if (Guid.TryParse(value.ToString(), out var messageId))
                {
                    onStop(messageId);
                }
            });
        }
        catch (RedisException e)
        {
            LogSubscribeFailed(logger, e);
        }
    }

    public async Task UnsubscribeAsync()
    {
        try
        {
            await redis.Connection.GetSubscriber().UnsubscribeAsync(Channel);
        }
        catch (RedisException)
        {
            // Shutting down with Redis gone: nothing to undo.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to stop signals yet; stops from other instances arrive once Redis is back")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);
}
