using Npgsql;

namespace ChatPlatform.EventLog;

/// <summary>
/// A consumer's own connection: it LISTENs on the log's channel and holds the consumer's leadership lock, a session
/// advisory lock that lets one instance per consumer name read while the others stand by. The connection dropping
/// ends both, so the consumer stops and starts over.
/// </summary>
internal sealed class LogListener : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly long _lockKey;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Lock _wakeLock = new();
    private bool _leading;

    private LogListener(NpgsqlConnection connection, string consumer)
    {
        _connection = connection;
        _lockKey = Postgres.AdvisoryLockKeys.For($"chatplatform:eventlog:consumer:{consumer}");
        _connection.Notification += (_, _) => Wake();
    }

    public static async Task<LogListener> OpenAsync(NpgsqlDataSource dataSource, string consumer, CancellationToken cancellationToken)
    {
        var listener = new LogListener(await dataSource.OpenConnectionAsync(cancellationToken), consumer);
        try
        {
            await listener.ExecuteAsync($"LISTEN {EventLog.Channel}", cancellationToken);
            return listener;
        }
        catch
        {
            await listener.DisposeAsync();
            throw;
        }
    }

    public async Task<bool> TryLeadAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", _connection) { Parameters = { new() { Value = _lockKey } } };
        _leading = (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
        return _leading;
    }

    /// <summary>Processes notifications as they arrive; between them, checks every <paramref name="keepAlive"/> that the connection lives.</summary>
    public async Task ListenAsync(TimeSpan keepAlive, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!await _connection.WaitAsync(keepAlive, cancellationToken))
            {
                await ExecuteAsync("SELECT 1", cancellationToken);
            }
        }
    }

    /// <summary>Waits on the connection while standing by (throws if it drops).</summary>
    public Task IdleAsync(TimeSpan timeout, CancellationToken cancellationToken) => _connection.WaitAsync(timeout, cancellationToken);

    /// <summary>True when a notification arrived since the last call, or arrives within <paramref name="timeout"/>.</summary>
    public Task<bool> WaitForNotificationAsync(TimeSpan timeout, CancellationToken cancellationToken) => _wake.WaitAsync(timeout, cancellationToken);

    private void Wake()
    {
        lock (_wakeLock)
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, _connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // Pooled connections are reset lazily, so give up the lock and the LISTEN before returning this one.
        try
        {
            if (_connection.FullState == System.Data.ConnectionState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await ExecuteAsync(_leading ? $"SELECT pg_advisory_unlock({_lockKey}); UNLISTEN *" : "UNLISTEN *", timeout.Token);
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or OperationCanceledException)
        {
            // The session is gone, and its lock and LISTEN with it.
        }
        await _connection.DisposeAsync();
        _wake.Dispose();
    }
}
