using ChatPlatform.Postgres;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatPlatform.EventLog;

/// <summary>
/// The one connection through which every reader of the log in this process listens: it LISTENs on the log's channel,
/// wakes every reader on a notification, and holds the session advisory lock of each reader that leads (one instance per
/// reader name reads at a time; the others stand by). It is a dedicated connection, outside the pool: however many
/// readers a service runs (ingestion runs ten), they cost one connection, and none of the pool's, which requests and the
/// readers' own reads draw on. One use of the connection at a time: between notifications a pump waits on it, and a
/// lock or an unlock interrupts that wait to take its turn. Any failure on it loses the session, every lead with it, and
/// each reader starts over on a new one.
/// </summary>
internal sealed partial class LogSession(DedicatedConnections connections, ILogger<LogSession> logger) : IAsyncDisposable
{
    // Without a notification for this long, the pump checks that the connection lives (a dropped peer sends nothing).
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private Session? _current;

    // Dekker-style hand-off between the pump and whoever wants the connection: the pump publishes the token of its wait
    // and then looks for waiters; a waiter counts itself and then cancels the published token. One of them sees the other.
    private int _waiting;
    private CancellationTokenSource? _pumpWait;

    /// <summary>A listener for reader <paramref name="reader"/> on the current session, opening one when there is none.</summary>
    public async Task<LogListener> JoinAsync(string reader, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            if (_current is not { IsLost: false })
            {
                var opened = await OpenAsync(cancellationToken);
                _current = opened;
                _ = Task.Run(() => PumpAsync(opened), CancellationToken.None);
            }
            return _current.Join(this, AdvisoryLockKeys.For($"chatplatform:eventlog:consumer:{reader}"));
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Session> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = await connections.OpenAsync(cancellationToken);
        try
        {
            await using var listen = new NpgsqlCommand($"LISTEN {EventLog.Channel}", connection);
            await listen.ExecuteNonQueryAsync(cancellationToken);
            return new Session(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Takes <paramref name="lockKey"/> on <paramref name="session"/> when no other session holds it.</summary>
    internal Task<bool> TryLockAsync(Session session, long lockKey, CancellationToken cancellationToken) =>
        UseAsync(session, async connection =>
        {
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection) { Parameters = { new() { Value = lockKey } } };
            return (bool)(await command.ExecuteScalarAsync(CancellationToken.None))!;
        }, cancellationToken);

    /// <summary>Gives up <paramref name="lockKey"/>, unless the session is lost already (and the lock with it).</summary>
    internal async Task UnlockAsync(Session session, long lockKey)
    {
        try
        {
            await UseAsync(session, async connection =>
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection) { Parameters = { new() { Value = lockKey } } };
                return await command.ExecuteScalarAsync(CancellationToken.None);
            }, CancellationToken.None);
        }
        catch (Exception e) when (e is LogSessionLostException or NpgsqlException or ObjectDisposedException or InvalidOperationException)
        {
            // The session is gone, and the lock with it.
        }
    }

    /// <summary>
    /// Runs <paramref name="use"/> on the session's connection in its turn. Commands are not cancelled midway (a
    /// cancelled command leaves a shared connection in doubt); a failure loses the session.
    /// </summary>
    private async Task<T> UseAsync<T>(Session session, Func<NpgsqlConnection, Task<T>> use, CancellationToken cancellationToken)
    {
        await EnterAsync(cancellationToken);
        try
        {
            session.ThrowIfLost();
            return await use(session.Connection);
        }
        catch (Exception e) when (e is not LogSessionLostException)
        {
            await session.LoseAsync(e);
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Takes the connection from the pump (interrupting its wait) or from whoever has it, in turn.</summary>
    private async Task EnterAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            Volatile.Read(ref _pumpWait)?.Cancel();
            await _gate.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private async Task PumpAsync(Session session)
    {
        var quietSince = TimeProvider.System.GetTimestamp();
        while (!session.IsLost)
        {
            try
            {
                await _gate.WaitAsync(_disposed.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var wait = new CancellationTokenSource();
            Interlocked.Exchange(ref _pumpWait, wait);
            var waiter = false;
            try
            {
                if (session.IsLost || (waiter = Volatile.Read(ref _waiting) > 0))
                {
                    continue; // the connection's turn goes to a waiter first
                }
                // Whole milliseconds, at least one: Npgsql takes a wait of 0 ms as one without end.
                var quietFor = Math.Ceiling((KeepAlive - TimeProvider.System.GetElapsedTime(quietSince)).TotalMilliseconds);
                if (quietFor >= 1)
                {
                    if (await session.Connection.WaitAsync(TimeSpan.FromMilliseconds(quietFor), wait.Token))
                    {
                        quietSince = TimeProvider.System.GetTimestamp();
                    }
                    continue;
                }
                await using var ping = new NpgsqlCommand("SELECT 1", session.Connection);
                await ping.ExecuteNonQueryAsync(CancellationToken.None);
                quietSince = TimeProvider.System.GetTimestamp();
            }
            catch (OperationCanceledException) when (wait.IsCancellationRequested)
            {
                // A waiter wants the connection: it has it once the gate is released. A cancel that landed while a
                // notification was half read breaks the connection, and that loses the session.
                waiter = true;
                if (session.Connection.FullState != System.Data.ConnectionState.Open)
                {
                    LogSessionLost(logger, null);
                    await session.LoseAsync(new LogSessionLostException(null));
                }
            }
            catch (Exception e)
            {
                LogSessionLost(logger, e);
                await session.LoseAsync(e);
            }
            finally
            {
                Interlocked.Exchange(ref _pumpWait, null);
                _gate.Release();
            }
            if (waiter)
            {
                await Task.Yield(); // a waiter that has not reached the gate yet gets there before the pump comes back
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        await EnterAsync(CancellationToken.None);
        try
        {
            if (_current is { } session)
            {
                await session.LoseAsync(new ObjectDisposedException(nameof(LogSession)));
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The event log's listen connection was lost; its readers start over on a new one")]
    private static partial void LogSessionLost(ILogger logger, Exception? exception);

    /// <summary>One connection's life: its listeners, and whether it was lost.</summary>
    internal sealed class Session
    {
        private readonly TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _listenersLock = new();
        private readonly List<LogListener> _listeners = [];
        private Exception? _failure;

        public Session(NpgsqlConnection connection)
        {
            Connection = connection;
            Connection.Notification += (_, _) => WakeAll();
        }

        public NpgsqlConnection Connection { get; }

        public bool IsLost => _lost.Task.IsCompleted;

        /// <summary>Completes when the session is lost.</summary>
        public Task Lost => _lost.Task;

        public LogListener Join(LogSession owner, long lockKey)
        {
            var listener = new LogListener(owner, this, lockKey);
            lock (_listenersLock)
            {
                _listeners.Add(listener);
            }
            return listener;
        }

        public void Leave(LogListener listener)
        {
            lock (_listenersLock)
            {
                _listeners.Remove(listener);
            }
        }

        public void ThrowIfLost()
        {
            if (IsLost)
            {
                throw new LogSessionLostException(_failure);
            }
        }

        /// <summary>Closes the connection (the caller has the gate) and ends every lead taken on it.</summary>
        public async Task LoseAsync(Exception failure)
        {
            if (IsLost)
            {
                return;
            }
            _failure = failure;
            _lost.TrySetResult();
            await Connection.DisposeAsync();
        }

        private void WakeAll()
        {
            lock (_listenersLock)
            {
                foreach (var listener in _listeners)
                {
                    listener.Wake();
                }
            }
        }
    }
}

/// <summary>The event log's listen connection was lost: its readers start over on a new one.</summary>
internal sealed class LogSessionLostException(Exception? failure)
    : Exception("The event log's listen connection was lost.", failure);
