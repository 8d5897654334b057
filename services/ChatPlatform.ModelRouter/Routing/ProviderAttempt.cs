using System.Diagnostics;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Routing;

/// <summary>
/// One call to one deployment. Until its first token it can be abandoned or failed over; after it, the stream is the
/// caller's. A silence longer than the allowed timeout ends it with a <see cref="TimeoutException"/>. A request that is
/// not streamed asks the provider for the whole answer, which is its "first token": it can fail over until it is in.
/// </summary>
internal sealed class ProviderAttempt : IAsyncDisposable
{
    private readonly IChatClient _client;
    private readonly IReadOnlyList<ChatMessage> _messages;
    private readonly ChatOptions _options;
    private readonly RoutingOptions _routing;
    private readonly TimeProvider _time;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource _cancellation;
    private IAsyncEnumerator<ChatResponseUpdate>? _enumerator;
    private Task? _pending;
    private volatile bool _abandoned;
    private bool _settled;

    public ProviderAttempt(
        DeploymentDefinition deployment, AttemptLease lease, IChatClient client, RouteRequest request, RoutingOptions routing,
        TimeProvider time, CancellationToken callerToken)
    {
        Deployment = deployment;
        Lease = lease;
        _client = client;
        _messages = request.Messages;
        Streamed = request.Streamed;
        _options = request.Options?.Clone() ?? new ChatOptions();
        _options.ModelId = deployment.ProviderModel;
        _routing = routing;
        _time = time;
        _callerToken = callerToken;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
        // The attempt's span is current for the provider call only; the next attempt is its sibling, not its child.
        var parent = System.Diagnostics.Activity.Current;
        Activity = RouterTelemetry.StartAttempt(deployment);
        StartedAt = time.GetTimestamp();
        FirstToken = ReadToFirstTokenAsync();
        System.Diagnostics.Activity.Current = parent;
    }

    public DeploymentDefinition Deployment { get; }

    public bool Streamed { get; }

    public AttemptLease Lease { get; }

    public Activity? Activity { get; }

    public long StartedAt { get; }

    /// <summary>
    /// Completes when the first token arrived (or the stream ended without one), or a whole answer did; faults with the
    /// reason otherwise.
    /// </summary>
    public Task FirstToken { get; }

    public TimeSpan TimeToFirstToken { get; private set; }

    /// <summary>Everything received up to and including the first token.</summary>
    public List<ChatResponseUpdate> Buffered { get; } = [];

    public bool Ended { get; private set; }

    /// <summary>True for an update the caller should see as the answer starting; a bare role or usage is not.</summary>
    public static bool IsToken(ChatResponseUpdate update) =>
        update.FinishReason is not null
        || update.Contents.Any(c => c is not UsageContent && !(c is TextContent text && text.Text.Length == 0));

    // Runs inline up to the provider call's first wait (building and sending the request), with no hop to another
    // thread first: that hop was a thread-pool wake-up on every request's critical path. A whole answer is read at once;
    // its time is not a time to first token, so it is kept out of the latency the routing ranks by.
    private async Task ReadToFirstTokenAsync()
    {
        try
        {
            if (Streamed)
            {
                _enumerator = _client.GetStreamingResponseAsync(_messages, _options, _cancellation.Token).GetAsyncEnumerator(_cancellation.Token);
                while (true)
                {
                    if (!await MoveNextAsync(_routing.FirstTokenTimeout, "first token"))
                    {
                        Ended = true;
                        break;
                    }
                    var update = _enumerator.Current;
                    Buffered.Add(update);
                    if (IsToken(update))
                    {
                        break;
                    }
                }
                TimeToFirstToken = _time.GetElapsedTime(StartedAt);
                Lease.Health.RecordFirstToken(TimeToFirstToken);
            }
            else
            {
                var response = await WaitAsync(_client.GetResponseAsync(_messages, _options, _cancellation.Token), _routing.WholeAnswerTimeout, "whole answer");
                Buffered.Add(AsOneUpdate(response));
                Ended = true;
                TimeToFirstToken = _time.GetElapsedTime(StartedAt);
            }
            Settle(error: null);
        }
        catch (Exception error)
        {
            if (_abandoned || _callerToken.IsCancellationRequested)
            {
                Settle(error: null, abandoned: true);
            }
            else
            {
                var classified = error is ProviderException or TimeoutException ? error : ProviderErrors.Classify(error, Deployment.Provider);
                Lease.Health.RecordError(classified);
                RouterTelemetry.SetError(Activity, classified);
                Settle(classified);
                if (classified != error)
                {
                    throw classified;
                }
            }
            throw;
        }
    }

    /// <summary>A whole answer as the one update a stream of it would add up to: its text, finish reason and usage.</summary>
    internal static ChatResponseUpdate AsOneUpdate(ChatResponse response)
    {
        var update = new ChatResponseUpdate(ChatRole.Assistant, [.. response.Messages.SelectMany(m => m.Contents)])
        {
            FinishReason = response.FinishReason,
            ModelId = response.ModelId,
            ResponseId = response.ResponseId,
            AdditionalProperties = response.AdditionalProperties,
        };
        if (response.Usage is { } usage)
        {
            update.Contents.Add(new UsageContent(usage));
        }
        return update;
    }

    /// <summary>The next update after the first token, or null at the end of the stream.</summary>
    public async ValueTask<ChatResponseUpdate?> NextAsync()
    {
        if (Ended || _enumerator is null)
        {
            return null;
        }
        if (!await MoveNextAsync(_routing.InterTokenTimeout, "next token"))
        {
            Ended = true;
            return null;
        }
        return _enumerator.Current;
    }

    /// <summary>Stops an attempt that lost a hedge race or is no longer wanted.</summary>
    public async ValueTask AbandonAsync()
    {
        _abandoned = true;
        _ = FirstToken.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        await _cancellation.CancelAsync();
        Settle(error: null, abandoned: true);
    }

    private ValueTask<bool> MoveNextAsync(TimeSpan timeout, string waitingFor)
    {
        ValueTask<bool> move;
        try
        {
            move = _enumerator!.MoveNextAsync();
        }
        catch (Exception e)
        {
            move = ValueTask.FromException<bool>(e);
        }
        // An update already in hand needs no timer.
        return move.IsCompletedSuccessfully ? move : new ValueTask<bool>(WaitAsync(move.AsTask(), timeout, waitingFor));
    }

    private async Task<T> WaitAsync<T>(Task<T> pending, TimeSpan timeout, string waitingFor)
    {
        _cancellation.CancelAfter(timeout);
        try
        {
            // WaitAsync keeps the timeout even for a provider that does not observe its token.
            _pending = pending;
            var result = await pending.WaitAsync(_cancellation.Token);
            _pending = null;
            return result;
        }
        catch (OperationCanceledException e) when (!_callerToken.IsCancellationRequested && !_abandoned)
        {
            throw new TimeoutException(
                $"Deployment '{Deployment.Id}' sent no {waitingFor} within {timeout.TotalSeconds:0.###} s.", e);
        }
        catch (Exception e) when (e is not (OperationCanceledException or ProviderException or TimeoutException))
        {
            // The SDKs throw their own exceptions; routing decides on the provider-neutral classification.
            throw ProviderErrors.Classify(e, Deployment.Provider);
        }
        finally
        {
            // Disarmed while the caller handles the update: a slow reader is not a silent provider.
            DisarmTimeout();
        }
    }

    private void DisarmTimeout()
    {
        try
        {
            _cancellation.CancelAfter(Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Disposed by an abandon that raced this read; nothing left to disarm.
        }
    }

    private void Settle(Exception? error, bool abandoned = false)
    {
        if (_settled)
        {
            return;
        }
        _settled = true;
        if (abandoned)
        {
            Lease.Abandon();
        }
        else if (error is null)
        {
            Lease.Succeed();
        }
        else
        {
            Lease.Fail(error);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Settle(error: null, abandoned: true);
        if (!Ended)
        {
            await _cancellation.CancelAsync();
        }
        Activity?.Dispose();
        var enumerator = _enumerator;
        if (_pending is { IsCompleted: false } pending)
        {
            // The provider has not returned from its last wait yet: the rest is done when it does, rather than waited for.
            _ = pending.ContinueWith(
                async finished =>
                {
                    _ = finished.Exception;
                    if (enumerator is not null)
                    {
                        await DisposeQuietlyAsync(enumerator);
                    }
                    _cancellation.Dispose();
                },
                CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return;
        }
        if (enumerator is not null)
        {
            await DisposeQuietlyAsync(enumerator);
        }
        _cancellation.Dispose();
    }

    private static async Task DisposeQuietlyAsync(IAsyncEnumerator<ChatResponseUpdate> enumerator)
    {
        try
        {
            await enumerator.DisposeAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A provider stream that fails while closing has nothing more to tell the caller.
        }
    }
}
