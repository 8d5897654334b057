using System.Threading.RateLimiting;
using ChatPlatform.Gateway.Services;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary>
/// This instance's own sliding windows (System.Threading.RateLimiting), with the same limits as
/// <see cref="SlidingWindowStore"/>, for while Redis is unreachable: each instance then admits up to the limit on its
/// own, which is looser than the shared count but far from none. Idle windows are dropped by the partitioned limiter.
/// </summary>
public sealed class LocalSlidingWindows : IDisposable
{
    // Twelve segments: a refused caller's window frees its oldest calls every twelfth of it.
    private const int Segments = 12;

    private readonly TimeSpan _window;
    private readonly PartitionedRateLimiter<(string Key, int Limit)> _limiter;

    public LocalSlidingWindows(IOptions<RateLimitOptions> options)
    {
        _window = options.Value.Window;
        _limiter = PartitionedRateLimiter.Create<(string Key, int Limit), (string Key, int Limit)>(window =>
            RateLimitPartition.GetSlidingWindowLimiter(window, w => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = w.Limit,
                Window = _window,
                SegmentsPerWindow = Segments,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>As <see cref="SlidingWindowStore.AcquireAsync"/>: admits one call when every window has room.</summary>
    public (bool Admitted, IReadOnlyList<WindowCount> Windows) Acquire(IReadOnlyList<(string Key, int Limit)> windows)
    {
        // Every window is checked before any is counted, so a refused turn uses up no request (as the Redis script does).
        var admitted = windows.All(w => Available(w) > 0);
        if (admitted)
        {
            foreach (var window in windows)
            {
                using var lease = _limiter.AttemptAcquire(window);
                admitted &= lease.IsAcquired;
            }
        }
        var segment = _window / Segments;
        return (admitted, [.. windows.Select(w => new WindowCount(w.Limit - Available(w), admitted ? _window : segment))]);
    }

    private long Available((string Key, int Limit) window) => _limiter.GetStatistics(window)?.CurrentAvailablePermits ?? window.Limit;

    public void Dispose() => _limiter.Dispose();
}
