using System.Runtime.CompilerServices;
using ChatPlatform.Chat.Model;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// The events of a turn generating on this instance, held while it runs, so a resume here needs no Redis (and sees
/// every event even when Redis missed some).
/// </summary>
public sealed class TurnEventLog
{
    private readonly List<TurnEvent> _events = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _completed;

    public void Add(TurnEvent e) => Change(() => _events.Add(e));

    /// <summary>No more events come (the turn has ended, with or without its terminal event).</summary>
    public void Complete() => Change(() => _completed = true);

    /// <summary>The events numbered after <paramref name="afterId"/>, then the new ones, up to the terminal one or the log's end.</summary>
    public async IAsyncEnumerable<TurnEvent> ReadAsync(long afterId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = 0;
        while (true)
        {
            TurnEvent[] batch;
            Task changed;
            bool completed;
            lock (_events)
            {
                batch = [.. _events.Skip(next)];
                next = _events.Count;
                changed = _changed.Task;
                completed = _completed;
            }
            foreach (var e in batch)
            {
                if (e.Id > afterId)
                {
                    yield return e;
                }
                if (e.IsTerminal)
                {
                    yield break;
                }
            }
            if (batch.Length == 0)
            {
                if (completed)
                {
                    yield break;
                }
                await changed.WaitAsync(cancellationToken);
            }
        }
    }

    private void Change(Action change)
    {
        TaskCompletionSource changed;
        lock (_events)
        {
            change();
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }
}
