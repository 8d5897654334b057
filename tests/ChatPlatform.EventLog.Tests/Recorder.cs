namespace ChatPlatform.EventLog.Tests;

/// <summary>What a handler saw, in order, with a way to await a condition on it instead of sleeping.</summary>
public sealed class Recorder
{
    private readonly Lock _lock = new();
    private readonly List<EventRecord> _events = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<EventRecord> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    public Task Record(EventRecord e, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _events.Add(e);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.SetResult();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<EventRecord>> WaitForCountAsync(int count, TimeSpan? timeout = null) =>
        WaitForAsync(events => events.Count >= count, $"{count} events", timeout);

    public Task<IReadOnlyList<EventRecord>> WaitForAsync(Guid id, TimeSpan? timeout = null) =>
        WaitForAsync(events => events.Any(e => e.Id == id), $"event {id}", timeout);

    public async Task<IReadOnlyList<EventRecord>> WaitForAsync(Func<IReadOnlyList<EventRecord>, bool> condition, string what, TimeSpan? timeout = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                IReadOnlyList<EventRecord> snapshot = [.. _events];
                if (condition(snapshot))
                {
                    return snapshot;
                }
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Waited for {what}; the handler saw {Events.Count} events.");
            }
        }
    }
}
