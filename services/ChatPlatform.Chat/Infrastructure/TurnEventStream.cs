using System.Globalization;
using System.Runtime.CompilerServices;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using ChatPlatform.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// A turn's events in the Redis stream <c>chat:turn:{messageId}</c>, one entry per event (its number, type and JSON),
/// kept for <see cref="TurnOptions.EventsTimeToLive"/> after the last append, so any instance can replay and tail them.
/// Every call throws <see cref="RedisUnavailableException"/> (at once while the breaker is open) when Redis is unreachable.
/// </summary>
public sealed class TurnEventStream(RedisStreams streams, RedisBreaker redis, IOptions<TurnOptions> options)
{
    public static string KeyFor(Guid messageId) => $"chat:turn:{messageId}";

    public Task AppendAsync(Guid messageId, TurnEvent e) => streams.AppendAsync(
        KeyFor(messageId),
        [new("id", e.Id.ToString(CultureInfo.InvariantCulture)), new("type", e.Type), new("data", e.Data)],
        options.Value.EventsTimeToLive);

    public Task<bool> ExistsAsync(Guid messageId) => redis.RunAsync(r => r.GetDatabase().KeyExistsAsync(KeyFor(messageId)));

    /// <summary>Every event the stream holds now, in order.</summary>
    public async Task<IReadOnlyList<TurnEvent>> ReadAllAsync(Guid messageId)
    {
        var entries = await redis.RunAsync(r => r.GetDatabase().StreamRangeAsync(KeyFor(messageId)));
        return [.. entries.Select(ToEvent)];
    }

    /// <summary>The events numbered after <paramref name="afterEventId"/>, then the new ones as they come, up to the terminal one.</summary>
    public async IAsyncEnumerable<TurnEvent> TailAsync(Guid messageId, long afterEventId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in streams.TailAsync(KeyFor(messageId), "0", cancellationToken))
        {
            var e = ToEvent(entry);
            if (e.Id > afterEventId)
            {
                yield return e;
            }
            if (e.IsTerminal)
            {
                yield break;
            }
        }
    }

    private static TurnEvent ToEvent(StreamEntry entry) => new(
        long.Parse(entry["id"].ToString(), CultureInfo.InvariantCulture), entry["type"].ToString(), entry["data"].ToString());
}
