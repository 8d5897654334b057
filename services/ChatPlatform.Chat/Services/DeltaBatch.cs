using System.Text;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// Gathers an answer's tokens into deltas: the first token is sent at once; later ones wait until <c>window</c> has
/// passed since the last delta, and go out then even if the model has gone quiet meanwhile. One timer serves every window
/// of the answer (thousands of streams would otherwise start one per window); dispose the batch when the answer ends.
/// </summary>
public sealed class DeltaBatch(TimeSpan window, TimeProvider timeProvider, Action<string> send) : IDisposable
{
    private readonly StringBuilder _pending = new();
    private long _lastSentAt;
    private bool _sentAny;
    private ITimer? _timer;
    private bool _armed;
    // Completed by the timer. A timer cannot say which arming it fires for, so a late firing may complete it in a later
    // window: a wake is trusted only once the clock says the window has passed, and a new one is made only after a firing.
    private TaskCompletionSource? _windowCloses;

    public void Add(string text)
    {
        _pending.Append(text);
        if (!_sentAny || timeProvider.GetElapsedTime(_lastSentAt) >= window)
        {
            Flush();
        }
    }

    public void Flush()
    {
        if (_pending.Length == 0)
        {
            return;
        }
        send(_pending.ToString());
        _pending.Clear();
        _sentAny = true;
        _lastSentAt = timeProvider.GetTimestamp();
        if (_armed)
        {
            _timer!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _armed = false;
        }
    }

    /// <summary>Moves <paramref name="source"/> on; text held back is sent when its window closes before the next item comes.</summary>
    public async ValueTask<bool> MoveNextAsync<T>(IAsyncEnumerator<T> source)
    {
        var next = source.MoveNextAsync();
        if (_pending.Length == 0 || next.IsCompleted)
        {
            return await next;
        }
        var moved = next.AsTask();
        while (true)
        {
            var remaining = window - timeProvider.GetElapsedTime(_lastSentAt);
            if (remaining <= TimeSpan.Zero)
            {
                Flush();
                break;
            }
            if (await Task.WhenAny(moved, WindowCloses(remaining)) == moved)
            {
                break;
            }
        }
        return await moved;
    }

    public void Dispose() => _timer?.Dispose();

    /// <summary>Completes when the open window closes, the timer armed for it once.</summary>
    private Task WindowCloses(TimeSpan remaining)
    {
        if (_windowCloses is not { Task.IsCompleted: false })
        {
            Volatile.Write(ref _windowCloses, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            _armed = false;
        }
        if (!_armed)
        {
            _timer ??= timeProvider.CreateTimer(
                static batch => Volatile.Read(ref ((DeltaBatch)batch!)._windowCloses)?.TrySetResult(), this,
                Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            // Whole milliseconds, rounded up: a timer counts whole milliseconds and would otherwise fire before the window closes.
            _timer.Change(TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)), Timeout.InfiniteTimeSpan);
            _armed = true;
        }
        return _windowCloses!.Task;
    }
}
