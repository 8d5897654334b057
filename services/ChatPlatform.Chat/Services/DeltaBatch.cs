using System.Text;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// Gathers an answer's tokens into deltas: the first token is sent at once; later ones wait until <c>window</c> has
/// passed since the last delta, and go out then even if the model has gone quiet meanwhile.
/// </summary>
public sealed class DeltaBatch(TimeSpan window, TimeProvider timeProvider, Action<string> send)
{
    private readonly StringBuilder _pending = new();
    private long _lastSentAt;
    private bool _sentAny;
    private Task? _windowCloses;

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
        _windowCloses = null;
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
        var remaining = window - timeProvider.GetElapsedTime(_lastSentAt);
        _windowCloses ??= remaining > TimeSpan.Zero ? Task.Delay(remaining, timeProvider) : Task.CompletedTask;
        if (await Task.WhenAny(moved, _windowCloses) != moved)
        {
            Flush();
        }
        return await moved;
    }
}
