using System.Collections.Concurrent;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary>
/// Fixed-window failure counts in this instance's memory, as <see cref="SignInThrottle"/> keeps them in Redis (a
/// window starts at a key's first failure), for while Redis is unreachable. Expired keys are dropped as others are added.
/// </summary>
public sealed class LocalFailureCounts(TimeProvider time)
{
    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _counts = new(StringComparer.Ordinal);

    public FailureCount Read(string key)
    {
        var now = time.GetUtcNow();
        return _counts.TryGetValue(key, out var entry) && entry.ExpiresAt > now
            ? new FailureCount(entry.Count, entry.ExpiresAt - now)
            : default;
    }

    public void Increment(string key, TimeSpan window)
    {
        var now = time.GetUtcNow();
        _counts.AddOrUpdate(key,
            static (_, state) => new Entry(1, state.now + state.window),
            static (_, entry, state) => entry.ExpiresAt > state.now ? entry with { Count = entry.Count + 1 } : new Entry(1, state.now + state.window),
            (now, window));
        if (_counts.Count > PruneAbove)
        {
            foreach (var (expired, _) in _counts.Where(pair => pair.Value.ExpiresAt <= now))
            {
                _counts.TryRemove(expired, out _);
            }
        }
    }

    public void Remove(string key) => _counts.TryRemove(key, out _);

    private sealed record Entry(int Count, DateTimeOffset ExpiresAt);
}
