using System.Net.ServerSentEvents;

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

    /// <summary>The events of <paramref name="stream"/>, read one at a time with <see cref="NextEventAsync"/>.</summary>
    public static IAsyncEnumerator<SseItem<string>> ReadEvents(Stream stream, CancellationToken cancellationToken) =>
        SseParser.Create(stream).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

    /// <summary>The next event; null at the end of the stream.</summary>
    public static async Task<SseItem<string>?> NextEventAsync(IAsyncEnumerator<SseItem<string>> events) =>
        await events.MoveNextAsync() ? events.Current : null;
}
