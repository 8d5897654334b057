using System.Collections.Concurrent;
using ChatPlatform.Testing;
using ChatPlatform.Testing.Servers;

namespace ChatPlatform.Chat.Tests;

/// <summary>The chat service as a real process (its built ChatPlatform.Chat.dll), for tests that kill or signal it.</summary>
public sealed record ChatChildProcess(ChildProcess Process, Uri Url) : IAsyncDisposable
{
    /// <summary>Starts the service on a free port and returns once its /health answers.</summary>
    public static async Task<ChatChildProcess> StartAsync(
        string database, string redis, Uri router, ConcurrentQueue<string> output, CancellationToken cancellationToken)
    {
        // The referenced service is copied beside the tests with its runtime configuration.
        var targetPath = typeof(ChatPlatform.Chat.Apis.ConversationsApi).Assembly.Location;
        var url = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        var process = ChildProcess.Start("dotnet", [targetPath], (line, _) => output.Enqueue(line), Path.GetDirectoryName(targetPath),
            new Dictionary<string, string?>
            {
                ["ASPNETCORE_URLS"] = url.ToString(),
                ["ConnectionStrings__chatdb"] = database,
                ["ConnectionStrings__redis"] = redis,
                ["Internal__Key"] = InternalTokens.Key,
                ["services__model-router__http__0"] = router.ToString().TrimEnd('/'),
                // Every token its own delta, as in ChatServiceHost: the tests count them.
                ["Turns__DeltaWindow"] = "00:00:00",
                ["Turns__HeartbeatInterval"] = "00:00:00.200",
                ["Turns__PartialTextInterval"] = "00:00:00.200",
                ["Logging__LogLevel__Default"] = "Warning",
            });
        var child = new ChatChildProcess(process, url);
        using var probe = new HttpClient { BaseAddress = url };
        await Eventually.GetAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("The chat service exited: " + string.Join('\n', output));
            }
            try
            {
                using var health = await probe.GetAsync("/health", cancellationToken);
                return health.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, ready => ready, cancellationToken, timeoutSeconds: 60);
        return child;
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
