namespace ChatPlatform.AppHost.Hosting.Resources;

/// <summary>One line of a resource's output; <see cref="Sequence"/> lets a reader ask only for newer lines.</summary>
public sealed record LogLine(long Sequence, DateTimeOffset Timestamp, bool IsError, string Text);

/// <summary>The last <see cref="Capacity"/> lines a resource wrote, for the dashboard and for failure messages.</summary>
public sealed class ResourceLog(int capacity = ResourceLog.DefaultCapacity)
{
    public const int DefaultCapacity = 5000;
    private readonly LogLine[] _lines = new LogLine[capacity];
    private long _count;

    public int Capacity => _lines.Length;

    public void Add(string text, bool isError)
    {
        lock (_lines)
        {
            _lines[_count % _lines.Length] = new LogLine(_count, DateTimeOffset.UtcNow, isError, text);
            _count++;
        }
    }

    /// <summary>Up to <paramref name="tail"/> of the newest lines, only those after <paramref name="afterSequence"/> when given.</summary>
    public IReadOnlyList<LogLine> Read(int tail = DefaultCapacity, long? afterSequence = null)
    {
        lock (_lines)
        {
            var oldest = Math.Max(0, _count - _lines.Length);
            var first = Math.Max(oldest, Math.Max(_count - Math.Max(tail, 0), (afterSequence ?? -1) + 1));
            var result = new List<LogLine>((int)Math.Max(0, _count - first));
            for (var sequence = first; sequence < _count; sequence++)
            {
                result.Add(_lines[sequence % _lines.Length]);
            }
            return result;
        }
    }

    public bool Contains(string text)
    {
        return Read().Any(line => line.Text.Contains(text, StringComparison.Ordinal));
    }
}
