using System.Net.Http.Headers;
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
        using var reader = new StreamReader(body);
        long id = 0;
        string? type = null;
        string? data = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    yield return new SseEvent(id, type ?? "message", JsonNode.Parse(data)!);
                }
                (type, data) = (null, null);
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
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
