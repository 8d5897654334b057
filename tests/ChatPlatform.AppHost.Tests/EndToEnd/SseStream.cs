using System.Text.Json;

namespace ChatPlatform.AppHost.Tests.EndToEnd;

/// <summary>One server-sent event as docs/turns.md frames it.</summary>
public sealed record SseEvent(long Id, string Type, JsonElement Data);

/// <summary>Reads server-sent events off a response body, one at a time, as they arrive.</summary>
public sealed class SseStream(Stream body) : IDisposable
{
    private readonly StreamReader _reader = new(body);

    /// <summary>The next event, or null when the stream ends.</summary>
    public async Task<SseEvent?> ReadAsync(CancellationToken cancellationToken)
    {
        long id = 0;
        string? type = null;
        string? data = null;
        while (await _reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    using var document = JsonDocument.Parse(data);
                    return new SseEvent(id, type ?? "message", document.RootElement.Clone());
                }
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id":
                    id = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "event":
                    type = value;
                    break;
                case "data":
                    data = data is null ? value : data + "\n" + value;
                    break;
            }
        }
        return null;
    }

    /// <summary>Every event up to and including the terminal <c>done</c> or <c>error</c>.</summary>
    public async Task<List<SseEvent>> ReadToEndAsync(CancellationToken cancellationToken)
    {
        var events = new List<SseEvent>();
        while (await ReadAsync(cancellationToken) is { } e)
        {
            events.Add(e);
            if (e.Type is "done" or "error")
            {
                break;
            }
        }
        return events;
    }

    public void Dispose() => _reader.Dispose();
}
