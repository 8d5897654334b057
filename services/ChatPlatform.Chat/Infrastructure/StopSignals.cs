using StackExchange.Redis;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// Stop requests across instances: Redis pub/sub on <c>chat:stop</c>, the message id as the payload. Whichever instance
/// owns the turn stops it; the others ignore the id.
/// </summary>
public sealed class StopSignals(IConnectionMultiplexer redis)
{
    private static readonly RedisChannel Channel = RedisChannel.Literal("chat:stop");

    public Task PublishAsync(Guid messageId) => redis.GetSubscriber().PublishAsync(Channel, messageId.ToString());

    public Task SubscribeAsync(Action<Guid> onStop) => redis.GetSubscriber().SubscribeAsync(Channel, (_, value) =>
    {
        if (Guid.TryParse(value.ToString(), out var messageId))
        {
            onStop(messageId);
        }
    });

    public Task UnsubscribeAsync() => redis.GetSubscriber().UnsubscribeAsync(Channel);
}
