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

        var startedAt = time.GetTimestamp();
        var activity = RouterTelemetry.StartRequest(model.Id);
        if (settings.RecordContent)
        {
            activity?.SetTag("gen_ai.input.messages", string.Join("\n", request.Messages.Select(m => $"{m.Role}: {m.Text}")));
        }
        var promptEstimate = TokenEstimator.Estimate(request.Messages);
        var maxOutput = request.Options?.MaxOutputTokens ?? model.MaxOutputTokens;
        var candidates = new Queue<DeploymentDefinition>(selector.Order(model, deployments, promptEstimate, maxOutput));
        var failures = new List<DeploymentFailure>();
        var running = new List<ProviderAttempt>();
        // A whole answer's time says nothing about a slow start, so only a streamed request is hedged.
        var hedging = request.Streamed && settings.Hedging.Models.Contains(model.Id, StringComparer.Ordinal);
        try
        {
            while (true)
            {
                if (running.Count == 0 && !await TryStartNextAsync())
                {
                    throw AllFailed(model, failures);
                }
                var waits = running.Select(a => a.FirstToken).ToList();
                Task? hedgeTimer = null;
                // Only a hedging model's request pays for a timer and its cancellation.
                using var hedgeCancellation = hedging && running.Count == 1 && candidates.Count > 0
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
                    throw Rejected(attempt.Deployment, rejected);
                }
                failures.Add(new DeploymentFailure(attempt.Deployment.Id, Describe(error)));
                RouterTelemetry.Failovers.Add(1, new KeyValuePair<string, object?>("chatplatform.deployment.id", attempt.Deployment.Id));
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
            while (candidates.TryDequeue(out var deployment))
            {
                var deploymentHealth = health.Get(deployment.Id);
                if (deploymentHealth.IsRateLimited)
                {
                    failures.Add(new DeploymentFailure(deployment.Id, $"rate limited until {deploymentHealth.RetryAfterUntil:O}"));
                    continue;
                }
                var lease = await deploymentHealth.TryAcquireAsync();
                if (lease is null)
                {
                    failures.Add(new DeploymentFailure(deployment.Id, "circuit open"));
                    continue;
                }
                IChatClient client;
                try
                {
                    client = clients.GetClient(deployment);
                }
                catch (Exception e) when (e is InvalidOperationException or ArgumentException or ProviderException)
                {
                    // A deployment that cannot be configured (a missing key) is skipped, not counted against its circuit.
                    lease.Abandon();
                    failures.Add(new DeploymentFailure(deployment.Id, $"not configured: {e.Message}"));
                    continue;
                }
                running.Add(new ProviderAttempt(deployment, lease, client, request, settings, time, cancellationToken));
                return true;
            }
            return false;
        }
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

    // The caller's mistakes (4xx) go back as the provider worded them. A provider refusing our credentials, or failing
    // in a way that is neither the caller's fault nor worth retrying, is a bad gateway, not the caller's 401 or 400.
    private static RoutingException Rejected(DeploymentDefinition deployment, ProviderException error) => error.StatusCode switch
    {
        401 or 403 => new RoutingException(
            502, "server_error", "provider_auth_error", $"Deployment '{deployment.Id}' refused the router's credentials.", innerException: error),
        int status and >= 400 and < 500 => new RoutingException(status, "invalid_request_error", null, error.Message, innerException: error),
        _ => new RoutingException(502, "server_error", "provider_error", $"Deployment '{deployment.Id}' failed: {error.Message}", innerException: error),
    };

    private static RoutingException AllFailed(ModelDefinition model, List<DeploymentFailure> failures) =>
        new(503, "server_error", "all_deployments_failed",
            failures.Count == 0
                ? $"The model '{model.Id}' has no enabled deployment."
                : $"No deployment of '{model.Id}' answered: " + string.Join("; ", failures.Select(f => $"{f.DeploymentId}: {f.Reason}")),
            failures: [.. failures]);

    private static string Describe(Exception error) => error switch
    {
        ProviderException { StatusCode: { } status } provider => $"{status} {provider.Message}",
        _ => error.Message,
    };
}
