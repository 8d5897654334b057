namespace ChatPlatform.Gateway.Tests;

/// <summary>Settings pointing the gateway's upstreams at the test's servers, through service discovery's configuration.</summary>
internal static class Upstream
{
    /// <param name="chatHttp2Only">Chat offers only its h2c endpoint, as the AppHost's chat does beside its HTTP/1.1 one.</param>
    public static Dictionary<string, string?> Settings(
        string? chat = null, string? modelRouter = null, IDictionary<string, string?>? more = null, bool chatHttp2Only = false)
    {
        var settings = new Dictionary<string, string?>
        {
            [chatHttp2Only ? "services:chat:h2c:0" : "services:chat:http:0"] = chat ?? "http://127.0.0.1:9",
            ["services:model-router:http:0"] = modelRouter ?? "http://127.0.0.1:9",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>Reads one SSE event (its lines up to the blank one); null at the end of the stream.</summary>
    public static async Task<Dictionary<string, string>?> ReadEventAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        var fields = new Dictionary<string, string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (fields.Count > 0)
                {
                    return fields;
                }
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            fields[line[..colon]] = line[(colon + 1)..].TrimStart(' ');
        }
        return fields.Count > 0 ? fields : null;
    }
}
