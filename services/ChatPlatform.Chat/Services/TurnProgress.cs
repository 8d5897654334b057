using System.Diagnostics;
using System.Text;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// A generating answer's text so far and its last event's number, shared by the generation (which appends) and the
/// instance heartbeat (which saves what changed since its last save).
/// </summary>
public sealed class TurnProgress
{
    private readonly StringBuilder _text = new();
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private long _lastEventId;
    private int _version;
    private int _savedVersion;

    public long? TimeToFirstTokenMs { get; private set; }

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public long NextId() => Interlocked.Increment(ref _lastEventId);

    /// <summary>True for the first text.</summary>
    public bool Append(string text)
    {
        lock (_text)
        {
            var first = TimeToFirstTokenMs is null;
            TimeToFirstTokenMs ??= (long)Stopwatch.GetElapsedTime(_startedAt).TotalMilliseconds;
            _text.Append(text);
            _version++;
            return first;
        }
    }

    /// <summary>The text and last event id when text came since the last <see cref="MarkSaved"/>, else null.</summary>
    public UnsavedText? TakeUnsaved()
    {
        lock (_text)
        {
            return _version == _savedVersion ? null : new UnsavedText(_text.ToString(), Interlocked.Read(ref _lastEventId), _version);
        }
    }

    /// <summary>Records that <paramref name="saved"/> reached the database; a failed save leaves the text unsaved for the next try.</summary>
    public void MarkSaved(UnsavedText saved)
    {
        lock (_text)
        {
            _savedVersion = Math.Max(_savedVersion, saved.Version);
        }
    }
}

public sealed record UnsavedText(string Text, long LastEventId, int Version);
