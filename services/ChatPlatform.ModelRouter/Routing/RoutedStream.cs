using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using ChatPlatform.ModelRouter.Model;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Routing;

/// <summary>
/// An answer that has started: its first token is in hand, so there is no more failover. Enumerate it once; a
/// failure from here on ends it with a <see cref="RoutingException"/> (code <c>stream_interrupted</c>) after the
/// partial answer. <see cref="Usage"/> is set when the enumeration ends, however it ends.
/// </summary>
public sealed class RoutedStream : IAsyncEnumerable<ChatResponseUpdate>, IAsyncDisposable
{
    private readonly ProviderAttempt _attempt;
    private readonly Activity? _activity;
    private readonly TimeProvider _time;
    private readonly long _startedAt;
    private readonly long _promptEstimate;
    private readonly bool _recordContent;
    private readonly CancellationToken _callerToken;
    private int _enumerated;

    internal RoutedStream(
        ModelDefinition model, ProviderAttempt attempt, Activity? activity, TimeProvider time, long startedAt, long promptEstimate,
        bool recordContent, CancellationToken callerToken)
    {
        Model = model;
        _attempt = attempt;
        _activity = activity;
        _time = time;
        _startedAt = startedAt;
        _promptEstimate = promptEstimate;
        _recordContent = recordContent;
        _callerToken = callerToken;
        TimeToFirstToken = time.GetElapsedTime(startedAt);
    }

    public ModelDefinition Model { get; }

    public DeploymentDefinition Deployment => _attempt.Deployment;

    /// <summary>From the request's start (failed attempts included) to the first token.</summary>
    public TimeSpan TimeToFirstToken { get; }

    public RouteUsage? Usage { get; private set; }

    public async IAsyncEnumerator<ChatResponseUpdate> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _enumerated, 1) == 1)
        {
            throw new InvalidOperationException("A routed stream can be enumerated once.");
        }
        var tally = new UsageTally();
        var finishReason = (string?)null;
        try
        {
            foreach (var update in _attempt.Buffered)
            {
                tally.Add(update);
                yield return update;
            }
            while (true)
            {
                ChatResponseUpdate? next;
                Exception? failure = null;
                try
                {
                    next = await _attempt.NextAsync();
                }
                catch (Exception e) when (e is not OperationCanceledException || !_callerToken.IsCancellationRequested)
                {
                    next = null;
                    failure = e;
                }
                if (failure is not null)
                {
                    finishReason = "error";
                    RouterTelemetry.SetError(_activity, failure);
                    await _attempt.Lease.Health.RecordLateFailureAsync(failure);
                    throw new RoutingException(
                        502, "server_error", "stream_interrupted",
                        $"The answer from deployment '{Deployment.Id}' was interrupted: {failure.Message}", innerException: failure);
                }
                if (next is null)
                {
                    break;
                }
                tally.Add(next);
                yield return next;
            }
            finishReason = tally.FinishReason ?? "stop";
        }
        finally
        {
            Usage = tally.ToUsage(this, _promptEstimate, finishReason ?? (_callerToken.IsCancellationRequested ? "cancelled" : "error"), _time.GetElapsedTime(_startedAt));
            RouterTelemetry.RecordUsage(Usage, Deployment.ProviderModel, _attempt.Streamed);
            RouterTelemetry.TagUsage(_activity, Usage, Deployment.ProviderModel);
            RouterTelemetry.TagUsage(_attempt.Activity, Usage, Deployment.ProviderModel);
            if (_recordContent)
            {
                _activity?.SetTag("gen_ai.output.messages", tally.Text.ToString());
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _attempt.DisposeAsync();
        _activity?.Dispose();
    }

    private sealed class UsageTally
    {
        private UsageDetails? _reported;
        private bool _flaggedEstimated;

        public StringBuilder Text { get; } = new();

        public string? FinishReason { get; private set; }

        public void Add(ChatResponseUpdate update)
        {
            foreach (var content in update.Contents)
            {
                switch (content)
                {
                    case TextContent text:
                        Text.Append(text.Text);
                        break;
                    case FunctionCallContent call:
                        // A tool call is output too: its name and arguments count towards an estimate.
                        Text.Append(call.Name).Append(OpenAI.ToolCalls.Arguments(call));
                        break;
                    case UsageContent usage:
                        _reported ??= new UsageDetails();
                        _reported.InputTokenCount = usage.Details.InputTokenCount ?? _reported.InputTokenCount;
                        _reported.OutputTokenCount = usage.Details.OutputTokenCount ?? _reported.OutputTokenCount;
                        _reported.CachedInputTokenCount = usage.Details.CachedInputTokenCount ?? _reported.CachedInputTokenCount;
                        break;
                    default:
                        break;
                }
            }
            if (update.FinishReason is { } reason)
            {
                FinishReason = reason.Value;
            }
            if (update.AdditionalProperties?.TryGetValue("usage_estimated", out var flag) == true && IsTrue(flag))
            {
                _flaggedEstimated = true;
            }
        }

        public RouteUsage ToUsage(RoutedStream stream, long promptEstimate, string finishReason, TimeSpan duration)
        {
            var input = _reported?.InputTokenCount;
            var output = _reported?.OutputTokenCount;
            var cached = _reported?.CachedInputTokenCount ?? 0;
            var estimated = _flaggedEstimated || input is null || output is null;
            var inputTokens = input ?? promptEstimate;
            var outputTokens = output ?? TokenEstimator.FromCharacters(Text.Length);
            var deployment = stream.Deployment;
            return new RouteUsage(
                stream.Model.Id, deployment.Id, deployment.Provider, inputTokens, outputTokens, cached, estimated,
                stream.TimeToFirstToken, duration, deployment.Price.CostOf(inputTokens, cached, outputTokens), finishReason);
        }

        private static bool IsTrue(object? value) => value switch
        {
            bool b => b,
            string s => bool.TryParse(s, out var parsed) && parsed,
            System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.True } => true,
            _ => false,
        };
    }
}
