namespace ChatPlatform.EventLog;

/// <summary>
/// Tracks up to which position the log is final: no transaction can still commit an event at or below it.
/// Each observation (positions handed out so far, and an id bound taken after) stays pending until every
/// transaction older than the bound has ended (see <see cref="ConsumerStore.ReadAllocatedAsync"/>).
/// </summary>
internal sealed class FinalPositions(long final)
{
    private const int MaxPending = 64;
    private readonly List<(long Allocated, ulong IdBound)> _pending = [];

    /// <summary>Every position up to this one is committed or never will be.</summary>
    public long Final { get; private set; } = final;

    /// <summary>Positions were handed out that are not final yet: a transaction that may hold one is running.</summary>
    public bool HasPending => _pending.Count > 0;

    /// <summary>The highest position observed as handed out.</summary>
    public long LastObserved => _pending.Count > 0 ? _pending[^1].Allocated : Final;

    public void Observe(long allocated, ulong? idBound)
    {
        if (allocated <= LastObserved || idBound is not { } bound)
        {
            return;
        }
        // Under a long transaction, keep the oldest observations (they resolve first) and the newest.
        if (_pending.Count == MaxPending)
        {
            _pending[^1] = (allocated, bound);
        }
        else
        {
            _pending.Add((allocated, bound));
        }
    }

    /// <param name="oldestRunning">The snapshot xmin: every transaction with a smaller id has ended.</param>
    public void Resolve(ulong oldestRunning)
    {
        var resolved = 0;
        while (resolved < _pending.Count && _pending[resolved].IdBound < oldestRunning)
        {
            resolved++;
        }
        if (resolved > 0)
        {
            Final = _pending[resolved - 1].Allocated;
            _pending.RemoveRange(0, resolved);
        }
    }
}
