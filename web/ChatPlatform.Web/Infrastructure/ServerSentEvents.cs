using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Infrastructure;

/// <summary>
/// Reads <c>text/event-stream</c> frames as <see cref="TurnEvent"/>s with .NET's <see cref="SseParser"/>: the data is
/// parsed as JSON straight from its UTF-8 bytes. An event without an id keeps the last one, as a browser's
/// <c>lastEventId</c> does; an event cut off by a dropped connection is not delivered.
/// </summary>
public static class ServerSentEvents
{
    // An empty data field reads as JSON null, not as an undefined element.
    private static readonly JsonElement Null = JsonSerializer.Deserialize<JsonElement>("null"u8);

    public static async IAsyncEnumerable<TurnEvent> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parser = SseParser.Create(stream, static (_, data) => data.IsEmpty ? Null : JsonSerializer.Deserialize<JsonElement>(data));
        long id = 0;
        await foreach (var item in parser.EnumerateAsync(cancellationToken))
        {
            if (item.EventId is { } eventId && long.TryParse(eventId, CultureInfo.InvariantCulture, out var parsed))
            {
                id = parsed;
            }
            yield return new TurnEvent(id, item.EventType, item.Data);
        }
    }
}
