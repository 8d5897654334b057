namespace ChatPlatform.EventLog;

/// <summary>
/// A reader's place on the process's <see cref="LogSession"/>: it is woken by the log's notifications, and may take its
/// name's leadership lock, a session advisory lock that lets one instance per name read while the others stand by. The
/// session being lost ends the lead, and the reader starts over.
/// </summary>
internal sealed class LogListener : IAsyncDisposable
{
    private readonly LogSession _owner;
    private readonly LogSession.Session _session;
    private readonly long _lockKey;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Lock _wakeLock = new();
    private bool _leading;

    internal LogListener(LogSession owner, LogSession.Session session, long lockKey)
    {
        _owner = owner;
        _session = session;
        _lockKey = lockKey;
    }

    public async Task<bool> TryLeadAsync(CancellationToken cancellationToken)
    {
        _leading = _leading || await _owner.TryLockAsync(_session, _lockKey, cancellationToken);
        return _leading;
    }

    /// <summary>Completes only by throwing: when the session is lost, or when <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task ListenAsync(CancellationToken cancellationToken)
    {
        await _session.Lost.WaitAsync(cancellationToken);
        _session.ThrowIfLost();
    }

    /// <summary>Waits <paramref name="timeout"/> while standing by; throws if the session is lost meanwhile.</summary>
    public async Task IdleAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await Task.WhenAny(_session.Lost, Task.Delay(timeout, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
        _session.ThrowIfLost();
    }

    /// <summary>True when a notification arrived since the last call, or arrives within <paramref name="timeout"/>.</summary>
    public Task<bool> WaitForNotificationAsync(TimeSpan timeout, CancellationToken cancellationToken) => _wake.WaitAsync(timeout, cancellationToken);

    internal void Wake()
    {
        lock (_wakeLock)
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _session.Leave(this);
        if (_leading)
        {
            await _owner.UnlockAsync(_session, _lockKey);
        }
    }
}
