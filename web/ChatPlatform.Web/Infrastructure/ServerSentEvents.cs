using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Infrastructure;

/// <summary>Reads <c>text/event-stream</c> frames (id, event, data; comments ignored) as <see cref="TurnEvent"/>s.</summary>
public static class ServerSentEvents
{
    public static async IAsyncEnumerable<TurnEvent> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        long id = 0;
        string? type = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0 || type is not null)
                {
                    using var document = JsonDocument.Parse(data.Length == 0 ? "null" : data.ToString());
                    yield return new TurnEvent(id, type ?? "message", document.RootElement.Clone());
                }
                type = null;
                data.Clear();
                continue;
            }
            if (line[0] == ':')
            {
                continue;
            }
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }
            switch (field)
            {
                case "id" when long.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var parsed):
                    id = parsed;
                    break;
                case "event":
                    type = value;
                    break;
                case "data":
                    if (data.Length > 0)
                    {
                        data.Append('\n');
                    }
                    data.Append(value);
                    break;
            }
        }
    }
}
