using ChatPlatform.ModelRouter.Providers;
using Polly;
using Polly.CircuitBreaker;

namespace ChatPlatform.ModelRouter.Routing;

/// <summary>
/// What this instance has seen of one deployment: moving averages of time to first token and of errors, the last
/// error, a 429's Retry-After, and a Polly circuit breaker fed by the outcome of every attempt.
/// </summary>
public sealed class DeploymentHealth
{
    private const double Smoothing = 0.2;
    private const int SampleCapacity = 64;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _breaker;
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly TimeSpan _breakDuration;
    private readonly double[] _ttftSamples = new double[SampleCapacity];
    private int _sampleCount;
    private int _sampleNext;
    private double? _ttftEwmaMs;
    private double _errorRate;
    private long _requests;
    private long _failures;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private DateTimeOffset? _retryAfterUntil;
    private DateTimeOffset? _openedAt;

    public DeploymentHealth(string deploymentId, CircuitBreakerOptions settings, TimeProvider time)
    {
        DeploymentId = deploymentId;
        _time = time;
        _breakDuration = settings.BreakDuration;
        _breaker = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = settings.FailureRatio,
                MinimumThroughput = settings.MinimumThroughput,
                SamplingDuration = settings.SamplingDuration,
                BreakDuration = settings.BreakDuration,
                StateProvider = _state,
                ShouldHandle = args => ValueTask.FromResult(IsDeploymentFault(args.Outcome.Exception)),
            })
            .Build();
    }

    public string DeploymentId { get; }

    /// <summary>Moving average of time to first token; null until the first sample.</summary>
    public TimeSpan? TimeToFirstToken
    {
        get
        {
            lock (_lock)
            {
                return _ttftEwmaMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
            }
        }
    }

    /// <summary>True while a 429's Retry-After has not passed: the deployment is skipped until then.</summary>
    public bool IsRateLimited => RetryAfterUntil is { } until && _time.GetUtcNow() < until;

    public DateTimeOffset? RetryAfterUntil
    {
        get
        {
            lock (_lock)
            {
                return _retryAfterUntil;
            }
        }
    }

    /// <summary>Closed, open, or half-open (open with its cooldown over: the next request is the probe).</summary>
    public CircuitState CircuitState
    {
        get
        {
            var state = _state.CircuitState;
            if (state == CircuitState.Open)
            {
                lock (_lock)
                {
                    if (_openedAt is { } opened && _time.GetUtcNow() >= opened + _breakDuration)
                    {
                        return CircuitState.HalfOpen;
                    }
                }
            }
            return state;
        }
    }

    /// <summary>
    /// Asks the circuit breaker to let one attempt through; null when it is open, or half-open with its probe already
    /// out. The lease must be completed with the attempt's outcome.
    /// </summary>
    public async Task<AttemptLease?> TryAcquireAsync()
    {
        if (IsRateLimited)
        {
            return null;
        }
        var lease = new AttemptLease(this);
        var context = ResilienceContextPool.Shared.Get();
        var execution = _breaker.ExecuteOutcomeAsync(
            static async (_, lease) =>
            {
                lease.Admitted.TrySetResult();
                return await lease.Outcome.Task;
            },
            context,
            lease).AsTask();
        lease.Execution = execution.ContinueWith(
            _ => ResilienceContextPool.Shared.Return(context), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        // The callback runs only when the breaker admits the call, which it normally does before ExecuteOutcomeAsync
        // returns; otherwise the execution ends at once, rejected.
        if (!lease.Admitted.Task.IsCompleted)
        {
            var first = await Task.WhenAny(lease.Admitted.Task, execution);
            if (first == execution && !lease.Admitted.Task.IsCompleted)
            {
                return null;
            }
        }
        Interlocked.Increment(ref _requests);
        return lease;
    }

    /// <summary>The percentile of recent times to first token, or null with fewer than five samples.</summary>
    public TimeSpan? TimeToFirstTokenPercentile(double percentile)
    {
        double[] samples;
        lock (_lock)
        {
            if (_sampleCount < 5)
            {
                return null;
            }
            samples = _ttftSamples[.._sampleCount];
        }
        Array.Sort(samples);
        var index = Math.Clamp((int)Math.Ceiling(percentile * samples.Length) - 1, 0, samples.Length - 1);
        return TimeSpan.FromMilliseconds(samples[index]);
    }

    internal void RecordFirstToken(TimeSpan timeToFirstToken)
    {
        lock (_lock)
        {
            var ms = timeToFirstToken.TotalMilliseconds;
            _ttftEwmaMs = _ttftEwmaMs is { } previous ? previous + (Smoothing * (ms - previous)) : ms;
            _ttftSamples[_sampleNext] = ms;
            _sampleNext = (_sampleNext + 1) % SampleCapacity;
            _sampleCount = Math.Min(_sampleCount + 1, SampleCapacity);
            _errorRate *= 1 - Smoothing;
        }
    }

    internal void RecordError(Exception error)
    {
        if (!IsDeploymentFault(error))
        {
            return;
        }
        lock (_lock)
        {
            _failures++;
            _errorRate += Smoothing * (1 - _errorRate);
            _lastError = Describe(error);
            _lastErrorAt = _time.GetUtcNow();
            if (error is ProviderException { StatusCode: 429, RetryAfter: { } retryAfter })
            {
                _retryAfterUntil = _time.GetUtcNow() + retryAfter;
            }
        }
    }

    /// <summary>A failure after the attempt's lease was settled (mid-stream): fed to the breaker as one more outcome.</summary>
    internal async Task RecordLateFailureAsync(Exception error)
    {
        RecordError(error);
        var context = ResilienceContextPool.Shared.Get();
        try
        {
            var before = _state.CircuitState;
            var execution = _breaker.ExecuteOutcomeAsync(
                static (_, error) => ValueTask.FromResult(Outcome.FromException<bool>(error)), context, error);
            NoteIfOpened(before);
            await execution;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>
    /// Called right after a failure was fed to the breaker, which counts it (and opens) before the feeding call
    /// returns. Polly's own OnOpened callback would be too late: it runs afterwards on Polly's background loop, so a
    /// reader right after the failure, or a clock that moved meanwhile, would see no cooldown start or a late one.
    /// </summary>
    internal void NoteIfOpened(CircuitState before)
    {
        if (before != CircuitState.Open && _state.CircuitState == CircuitState.Open)
        {
            lock (_lock)
            {
                _openedAt = _time.GetUtcNow();
            }
        }
    }

    internal CircuitState BreakerState => _state.CircuitState;

    public DeploymentHealthReport Report()
    {
        lock (_lock)
        {
            return new DeploymentHealthReport(
                DeploymentId, _ttftEwmaMs, _errorRate, Interlocked.Read(ref _requests), _failures, _lastError, _lastErrorAt,
                _retryAfterUntil > _time.GetUtcNow() ? _retryAfterUntil : null);
        }
    }

    /// <summary>Faults of the deployment, not of the request or the caller: they count against its circuit.</summary>
    internal static bool IsDeploymentFault(Exception? error) =>
        error is ProviderException { IsTransient: true } or TimeoutException or HttpRequestException;

    // Provider messages carry no keys (the factory strips them); cut them short anyway so the report stays readable.
    private static string Describe(Exception error)
    {
        var status = error is ProviderException { StatusCode: { } code } ? $"{code}: " : "";
        var message = error.Message.Length > 300 ? error.Message[..300] : error.Message;
        return status + message;
    }
}

/// <summary>One attempt admitted by a deployment's circuit breaker; settle it once with what happened.</summary>
public sealed class AttemptLease
{
    internal AttemptLease(DeploymentHealth health) => Health = health;

    public DeploymentHealth Health { get; }

    internal TaskCompletionSource Admitted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Continuations run inline so the breaker has counted the outcome by the time Succeed or Fail returns.
    internal TaskCompletionSource<Outcome<bool>> Outcome { get; } = new();

    internal Task Execution { get; set; } = Task.CompletedTask;

    public void Succeed() => Outcome.TrySetResult(Polly.Outcome.FromResult(true));

    public void Fail(Exception error)
    {
        var before = Health.BreakerState;
        Outcome.TrySetResult(Polly.Outcome.FromException<bool>(error));
        Health.NoteIfOpened(before);
    }

    /// <summary>Ended by us (the caller left, or a hedge lost): the deployment did not fail, so the breaker counts a success.</summary>
    public void Abandon() => Outcome.TrySetResult(Polly.Outcome.FromException<bool>(new OperationCanceledException()));
}

public sealed record DeploymentHealthReport(
    string DeploymentId,
    double? TimeToFirstTokenMs,
    double ErrorRate,
    long Requests,
    long Failures,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    DateTimeOffset? RetryAfterUntil);
