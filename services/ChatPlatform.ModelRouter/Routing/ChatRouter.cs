using System.Diagnostics;
using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ChatPlatform.ModelRouter.Routing;

/// <summary>
/// Serves a chat request from the model's deployments: ordered by the model's strategy, skipping open circuits and
/// rate-limited ones, failing over on transient errors until the first token (hedging slow starts when configured),
/// never after it.
/// </summary>
public sealed class ChatRouter(
    IModelCatalog catalog,
    IChatClientFactory clients,
    DeploymentSelector selector,
    DeploymentHealthRegistry health,
    IOptions<RoutingOptions> options,
    TimeProvider time)
{
    /// <summary>
    /// Returns once an answer has started. Throws <see cref="RoutingException"/> for an unknown model (404), a request
    /// the model cannot take or a provider rejected (4xx), or when no deployment answered (503, with each one's reason).
    /// </summary>
    public async Task<RoutedStream> StartAsync(RouteRequest request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var snapshot = catalog.Current;
        var model = snapshot.FindModel(request.Model);
        var deployments = model is null ? [] : snapshot.DeploymentsOf(model.Id);
        // A model without an enabled deployment is not listed by /v1/models either.
        if (model is not { Enabled: true } || deployments.Count == 0)
        {
            throw RoutingException.ModelNotFound(request.Model);
        }
        if (model.Capabilities.Embeddings)
        {
            throw RoutingException.InvalidRequest(
                $"The model '{model.Id}' is an embedding model; call /v1/embeddings with it, or pick a chat model.", "model", "model_not_chat");
        }
        if (!model.Capabilities.Vision && request.Messages.Any(m => m.Contents.Any(IsImage)))
        {
            throw RoutingException.InvalidRequest(
                $"The model '{model.Id}' does not accept images; send text only or pick a model with vision.", "messages", "image_not_supported");
        }

        if (!model.Capabilities.Tools && UsesTools(request))
        {
            throw RoutingException.InvalidRequest(
                $"The model '{model.Id}' does not take tools; send none or pick a model with tools.", "tools", "tools_not_supported");
        }

        request = WithoutUnsupportedTemperature(model, request);

        var startedAt = time.GetTimestamp();
        var activity = RouterTelemetry.StartRequest(model.Id);
        if (settings.RecordContent)
        {
            activity?.SetTag("gen_ai.input.messages", string.Join("\n", request.Messages.Select(m => $"{m.Role}: {m.Text}")));
        }
        var promptEstimate = TokenEstimator.Estimate(request.Messages);
        var maxOutput = request.Options?.MaxOutputTokens ?? model.MaxOutputTokens;
        var candidates = new DeploymentCandidates(selector.Order(model, deployments, promptEstimate, maxOutput), health);
        var running = new List<ProviderAttempt>();
        // A whole answer's time says nothing about a slow start, so only a streamed request is hedged.
        var hedging = request.Streamed && settings.Hedging.Models.Contains(model.Id, StringComparer.Ordinal);
        try
        {
            while (true)
            {
                if (running.Count == 0 && !await TryStartNextAsync())
                {
                    throw candidates.AllFailed(model);
                }
                var waits = running.Select(a => a.FirstToken).ToList();
                Task? hedgeTimer = null;
                // Only a hedging model's request pays for a timer and its cancellation.
                using var hedgeCancellation = hedging && running.Count == 1 && candidates.Remaining > 0
                    ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)
                    : null;
                if (hedgeCancellation is not null)
                {
                    var remaining = HedgeDelay(running[0].Lease.Health, settings.Hedging) - time.GetElapsedTime(running[0].StartedAt);
                    hedgeTimer = Task.Delay(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, time, hedgeCancellation.Token);
                    waits.Add(hedgeTimer);
                }
                var done = await Task.WhenAny(waits);
                cancellationToken.ThrowIfCancellationRequested();
                if (hedgeCancellation is not null && done != hedgeTimer)
                {
                    // The timer is not needed any more; without this it would live out its delay.
                    await hedgeCancellation.CancelAsync();
                }
                if (done == hedgeTimer)
                {
                    if (await TryStartNextAsync())
                    {
                        RouterTelemetry.Hedges.Add(1, new KeyValuePair<string, object?>("gen_ai.request.model", model.Id));
                    }
                    continue;
                }

                var attempt = running.First(a => a.FirstToken == done);
                running.Remove(attempt);
                if (done.IsCompletedSuccessfully)
                {
                    foreach (var loser in running)
                    {
                        await loser.AbandonAsync();
                        await loser.DisposeAsync();
                    }
                    running.Clear();
                    return new RoutedStream(model, attempt, activity, time, startedAt, promptEstimate, settings.RecordContent, cancellationToken);
                }

                var error = done.Exception!.GetBaseException();
                await attempt.DisposeAsync();
                if (error is ProviderException { IsTransient: false } rejected)
                {
                    throw DeploymentCandidates.Rejected(attempt.Deployment, rejected);
                }
                candidates.FailedOver(attempt.Deployment, error);
            }
        }
        catch (Exception error)
        {
            foreach (var attempt in running)
            {
                await attempt.AbandonAsync();
                await attempt.DisposeAsync();
            }
            RouterTelemetry.SetError(activity, error);
            activity?.Dispose();
            throw;
        }

        async Task<bool> TryStartNextAsync()
        {
            if (await candidates.NextAsync(clients.GetClient) is not { } next)
            {
                return false;
            }
            running.Add(new ProviderAttempt(next.Deployment, next.Lease, next.Client, request, settings, time, cancellationToken));
            return true;
        }
    }

    // Defence in depth: chat and the web app send no temperature to a model without one, but any client of
    // /v1/chat/completions may, and the provider would reject the whole request for it.
    private static RouteRequest WithoutUnsupportedTemperature(ModelDefinition model, RouteRequest request)
    {
        if (model.Capabilities.Temperature || request.Options?.Temperature is null)
        {
            return request;
        }
        var options = request.Options.Clone();
        options.Temperature = null;
        return request with { Options = options };
    }

    private static bool UsesTools(RouteRequest request) =>
        request.Options?.Tools is { Count: > 0 }
        || request.Messages.Any(m => m.Contents.Any(c => c is FunctionCallContent or FunctionResultContent));

    private static bool IsImage(AIContent content) => content switch
    {
        DataContent data => data.HasTopLevelMediaType("image"),
        UriContent uri => uri.HasTopLevelMediaType("image"),
        _ => false,
    };

    /// <summary>The deployment's observed time-to-first-token percentile, never below the floor.</summary>
    internal static TimeSpan HedgeDelay(DeploymentHealth deployment, HedgingOptions hedging)
    {
        var observed = deployment.TimeToFirstTokenPercentile(hedging.Percentile) ?? hedging.DelayWithoutSamples;
        return observed > hedging.MinimumDelay ? observed : hedging.MinimumDelay;
    }
}
