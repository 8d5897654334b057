using System.Collections.Concurrent;
using ChatPlatform.Chat.Infrastructure;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// The turns this instance is generating. A stop signal from any instance (Redis pub/sub, or this one's own stop
/// request when Redis is unreachable) cancels the one it names; on
/// shutdown every turn is cancelled as interrupted and awaited, so each is committed before the process exits.
/// </summary>
public sealed partial class TurnRegistry(StopSignals stopSignals, IHostApplicationLifetime lifetime, ILogger<TurnRegistry> logger) : IHostedService
{
    /// <summary>How long a stop for a turn not (yet) running here is remembered.</summary>
    private static readonly long EarlyStopLifetimeMs = (long)TimeSpan.FromMinutes(1).TotalMilliseconds;

    private readonly ConcurrentDictionary<Guid, RunningTurn> _turns = new();
    private readonly ConcurrentDictionary<Guid, long> _earlyStops = new();
    private CancellationTokenRegistration _onStopping;

    public int Count => _turns.Count;

    /// <summary>The turns generating here now, for the instance heartbeat that saves their text.</summary>
    public IEnumerable<RunningTurn> Running => _turns.Values;

    /// <summary>The turn generating <paramref name="messageId"/> here, if it is.</summary>
    public RunningTurn? Find(Guid messageId) => _turns.TryGetValue(messageId, out var turn) ? turn : null;

    public RunningTurn Add(Guid messageId, Guid userId, TurnProgress progress)
    {
        var turn = new RunningTurn(messageId, userId, progress);
        _turns[messageId] = turn;
        // A stop can be answered 202 once the answer's row is committed, a moment before its turn is added here.
        if (_earlyStops.TryRemove(messageId, out _))
        {
            turn.Cancel(TurnEnd.Stopped);
        }
        return turn;
    }

    /// <summary>
    /// A stop signal (from any instance): cancels the turn if it runs here, or remembers it for a minute in case the
    /// turn is about to be added. Both sides check after writing, so no interleaving loses the stop.
    /// </summary>
    public void Stop(Guid messageId)
    {
        if (_turns.TryGetValue(messageId, out var turn))
        {
            turn.Cancel(TurnEnd.Stopped);
            return;
        }
        var now = Environment.TickCount64;
        foreach (var (id, at) in _earlyStops)
        {
            if (now - at > EarlyStopLifetimeMs)
            {
                _earlyStops.TryRemove(id, out _);
            }
        }
        _earlyStops[messageId] = now;
        if (_turns.TryGetValue(messageId, out turn) && _earlyStops.TryRemove(messageId, out _))
        {
            turn.Cancel(TurnEnd.Stopped);
        }
    }

    public bool IsRunning(Guid messageId) => _turns.ContainsKey(messageId);

    public void Remove(RunningTurn turn) => _turns.TryRemove(new KeyValuePair<Guid, RunningTurn>(turn.MessageId, turn));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await stopSignals.SubscribeAsync(Stop);
        // On SIGTERM, before the server drains its requests (which would wait for the answers to end on their own).
        _onStopping = lifetime.ApplicationStopping.Register(InterruptAll);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        InterruptAll();
        // Each turn commits its message and terminal event once cancelled; the host's shutdown timeout bounds the wait.
        await Task.WhenAll(_turns.Values.Select(t => t.Completion)).WaitAsync(cancellationToken);
        await _onStopping.DisposeAsync();
        await stopSignals.UnsubscribeAsync();
    }

    private void InterruptAll()
    {
        var running = _turns.Values.Where(t => t.End == TurnEnd.None).ToList();
        if (running.Count > 0)
        {
            LogInterrupting(logger, running.Count);
        }
        foreach (var turn in running)
        {
            turn.Cancel(TurnEnd.Interrupted);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: interrupting {Count} streaming turns")]
    private static partial void LogInterrupting(ILogger logger, int count);
}

/// <summary>Why a turn's generation was cancelled.</summary>
public enum TurnEnd
{
    None,
    Stopped,
    Interrupted,
}

/// <summary>One generating turn: its cancellation (with the reason), its progress, and a task that ends when it is committed.</summary>
public sealed class RunningTurn(Guid messageId, Guid userId, TurnProgress progress)
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _end;

    public Guid MessageId { get; } = messageId;

    public Guid UserId { get; } = userId;

    public TurnProgress Progress { get; } = progress;

    /// <summary>Every event sent so far, for resumes on this instance.</summary>
    public TurnEventLog Events { get; } = new();

    public CancellationToken Token => _cancellation.Token;

    public TurnEnd End => (TurnEnd)Volatile.Read(ref _end);

    public Task Completion => _completion.Task;

    /// <summary>The first reason wins: a stop that arrives during shutdown still counts as a stop.</summary>
    public void Cancel(TurnEnd end)
    {
        if (Interlocked.CompareExchange(ref _end, (int)end, (int)TurnEnd.None) == (int)TurnEnd.None)
        {
            _cancellation.Cancel();
        }
    }

    public void Complete() => _completion.TrySetResult();
}
