using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.Testing.Platform;

/// <summary>
/// The last lines each resource printed, kept from the start, so a resource that dies while the platform starts can
/// say why in the test's own failure (a CI run has no dashboard to look in).
/// </summary>
internal sealed class ResourceLogTails
{
    private const int LinesKept = 60;

    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _tails = new();
    private readonly ConcurrentDictionary<string, bool> _watched = new();

    /// <summary>Watches every resource's output as soon as the host names its instance, until <paramref name="stopping"/>.</summary>
    public ResourceLogTails(DistributedApplication app, CancellationToken stopping) =>
        _ = WatchInstancesAsync(
            app.Services.GetRequiredService<ResourceNotificationService>(), app.Services.GetRequiredService<ResourceLoggerService>(), stopping);

    /// <summary>The kept lines of <paramref name="resource"/>, indented, or a line saying there were none.</summary>
    public string Of(string resource) =>
        _tails.TryGetValue(resource, out var tail) && !tail.IsEmpty
            ? string.Join(Environment.NewLine, tail.Select(line => "    " + line))
            : "    (nothing)";

    // Log streams are keyed by the instance's id (chat-abc123), which exists only once the host starts the resource.
    private async Task WatchInstancesAsync(ResourceNotificationService notifications, ResourceLoggerService logs, CancellationToken stopping)
    {
        try
        {
            await foreach (var e in notifications.WatchAsync(stopping))
            {
                if (_watched.TryAdd(e.ResourceId, true))
                {
                    _ = KeepAsync(logs, e.ResourceId, _tails.GetOrAdd(e.Resource.Name, _ => new()), stopping);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // The host stopped.
        }
    }

    private static async Task KeepAsync(ResourceLoggerService logs, string instance, ConcurrentQueue<string> tail, CancellationToken stopping)
    {
        try
        {
            await foreach (var batch in logs.WatchAsync(instance).WithCancellation(stopping))
            {
                foreach (var line in batch)
                {
                    tail.Enqueue(line.Content);
                    while (tail.Count > LinesKept && tail.TryDequeue(out _))
                    {
                    }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // The host stopped.
        }
    }
}
