using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace ChatPlatform.Redis;

/// <summary>
/// Every Redis call of a process goes through here: each is bounded by <see cref="OperationTimeout"/>, and after
/// <see cref="FailuresToOpen"/> failures in a row the breaker opens and calls fail at once with
/// <see cref="RedisUnavailableException"/> for <see cref="CoolDown"/>; then one call probes, and its success closes it.
/// Redis holds only rebuildable state, so callers fall back (a local limiter, PostgreSQL) instead of waiting on it.
/// </summary>
public sealed partial class RedisBreaker
{
    public const int FailuresToOpen = 3;

    /// <summary>Redis answers in well under a millisecond on a healthy network: longer means it is not answering.</summary>
    public static TimeSpan OperationTimeout { get; } = TimeSpan.FromMilliseconds(500);

    public static TimeSpan CoolDown { get; } = TimeSpan.FromSeconds(2);

    public const string MeterName = "ChatPlatform.Redis";

    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Counter<long> _skipped;
    private readonly Lock _gate = new();
    private int _failures;
    private bool _open;
    private bool _probing;
    private long _openedAt;
    private long _probeAfter;

    public RedisBreaker(IConnectionMultiplexer redis, TimeProvider? time = null, ILogger<RedisBreaker>? logger = null, IMeterFactory? meters = null)
    {
        _redis = redis;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger<RedisBreaker>.Instance;
        var meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        meter.CreateObservableGauge("chatplatform.redis.breaker.open", () => IsOpen ? 1 : 0,
            description: "1 while Redis is taken as unreachable and calls skip it (the service runs degraded), else 0");
        _skipped = meter.CreateCounter<long>("chatplatform.redis.calls.skipped", description: "Redis calls not made because the breaker was open");
    }

    /// <summary>True while calls skip Redis.</summary>
    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _open;
            }
        }
    }

    /// <summary>Whether a call now would reach Redis (closed, or due for a probe), without making one.</summary>
    public bool IsAvailable
    {
        get
        {
            lock (_gate)
            {
                return !_open || !_probing && _time.GetTimestamp() >= _probeAfter;
            }
        }
    }

    public IConnectionMultiplexer Connection => _redis;

    /// <summary>Runs <paramref name="operation"/> against Redis, or throws <see cref="RedisUnavailableException"/> (at once while open).</summary>
    public async Task<T> RunAsync<T>(Func<IConnectionMultiplexer, Task<T>> operation)
    {
        var probe = Enter();
        try
        {
            // A disconnected multiplexer would queue the command until its timeout: fail now instead.
            if (!_redis.IsConnected)
            {
                throw new RedisUnavailableException("Redis is not connected.");
            }
            var result = await operation(_redis).WaitAsync(OperationTimeout, _time);
            Succeeded();
            return result;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Failed(probe);
            throw e as RedisUnavailableException ?? new RedisUnavailableException("Redis could not be reached.", e);
        }
    }

    public Task RunAsync(Func<IConnectionMultiplexer, Task> operation) => RunAsync(async redis =>
    {
        await operation(redis);
        return true;
    });

    /// <summary>Returns whether this call is the probe of an open breaker; throws when the breaker refuses the call.</summary>
    private bool Enter()
    {
        lock (_gate)
        {
            if (!_open)
            {
                return false;
            }
            if (!_probing && _time.GetTimestamp() >= _probeAfter)
            {
                _probing = true;
                return true;
            }
        }
        _skipped.Add(1);
        throw new RedisUnavailableException("Redis is unreachable; skipped for a short cool-down.");
    }

    private void Succeeded()
    {
        long openedAt;
        lock (_gate)
        {
            _failures = 0;
            if (!_open)
            {
                return;
            }
            _open = false;
            _probing = false;
            openedAt = _openedAt;
        }
        LogClosed(_logger, (long)_time.GetElapsedTime(openedAt).TotalMilliseconds);
    }

    private void Failed(bool probe)
    {
        lock (_gate)
        {
            _failures++;
            var now = _time.GetTimestamp();
            if (probe)
            {
                _probing = false;
                _probeAfter = now + (long)(CoolDown.TotalSeconds * _time.TimestampFrequency);
                return;
            }
            if (_open || _failures < FailuresToOpen)
            {
                return;
            }
            _open = true;
            _openedAt = now;
            _probeAfter = now + (long)(CoolDown.TotalSeconds * _time.TimestampFrequency);
        }
        LogOpened(_logger, _failures);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is unreachable ({Failures} failures in a row): skipping it, running degraded (per-instance limits, resumes from PostgreSQL) until it answers again")]
    private static partial void LogOpened(ILogger logger, int failures);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis answers again after {OutageMs} ms: back to shared limits and streams")]
    private static partial void LogClosed(ILogger logger, long outageMs);
}

/// <summary>Redis could not be used for this call (down, too slow, or skipped by the open <see cref="RedisBreaker"/>).</summary>
public sealed class RedisUnavailableException(string message, Exception? innerException = null) : RedisException(message, innerException);
