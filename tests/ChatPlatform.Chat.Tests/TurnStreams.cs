using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace ChatPlatform.Chat.Tests;

/// <summary>One server-sent event of a turn, as a client reads it.</summary>
public sealed record SseEvent(long Id, string Type, JsonNode Data);

/// <summary>Reads turn streams as a browser would: event by event, as they arrive.</summary>
public static class TurnStreams
{
    /// <summary>Sends <paramref name="request"/> and answers the response once its headers have come (the body still streaming).</summary>
    public static Task<HttpResponseMessage> OpenAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    public static Task<HttpResponseMessage> PostTurnAsync(HttpClient client, Guid conversationId, string body, CancellationToken cancellationToken) =>
        OpenAsync(client, new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversationId}/turns") { Content = ChatServiceHost.Json(body) },
            cancellationToken);

    public static async IAsyncEnumerable<SseEvent> ReadAsync(HttpResponseMessage response, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        long id = 0;
        await foreach (var item in SseParser.Create(body, static (_, data) => JsonNode.Parse(data)!).EnumerateAsync(cancellationToken))
        {
            // An event without an id keeps the last one, as a browser's lastEventId does.
            if (item.EventId is { } eventId)
            {
                id = long.Parse(eventId, System.Globalization.CultureInfo.InvariantCulture);
            }
            yield return new SseEvent(id, item.EventType, item.Data);
        }
    }

    /// <summary>Every event to the end of the stream.</summary>
    public static async Task<List<SseEvent>> ReadAllAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var events = new List<SseEvent>();
        await foreach (var e in ReadAsync(response, cancellationToken))
        {
            events.Add(e);
        }
        return events;
    }

    /// <summary>The events up to and including the first <paramref name="count"/>, leaving the rest of the stream unread.</summary>
    public static async Task<List<SseEvent>> ReadFirstAsync(IAsyncEnumerator<SseEvent> events, int count)
    {
        var read = new List<SseEvent>();
        while (read.Count < count && await events.MoveNextAsync())
        {
            read.Add(events.Current);
        }
        return read;
    }

    public static string Text(IEnumerable<SseEvent> events) =>
        string.Concat(events.Where(e => e.Type == "delta").Select(e => (string)e.Data["text"]!));
}
