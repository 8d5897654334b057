using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers;

namespace ChatPlatform.ModelRouter.Routing;

/// <summary>
/// A request's deployments in the order the model's strategy chose, handed out one at a time with a lease from the
/// deployment's circuit breaker: rate-limited ones, open circuits and deployments whose client cannot be built are
/// skipped, each with its reason in <see cref="Failures"/>. Chat completions and embeddings route through it alike.
/// </summary>
internal sealed class DeploymentCandidates(IEnumerable<DeploymentDefinition> ordered, DeploymentHealthRegistry health)
{
    private readonly Queue<DeploymentDefinition> _queue = new(ordered);

    /// <summary>Each deployment skipped or failed so far, and why.</summary>
    public List<DeploymentFailure> Failures { get; } = [];

    public int Remaining => _queue.Count;

    /// <summary>The next deployment that may be called, its lease and its client; null when none is left.</summary>
    public async Task<Candidate<TClient>?> NextAsync<TClient>(Func<DeploymentDefinition, TClient> clientOf)
    {
        while (_queue.TryDequeue(out var deployment))
        {
            var deploymentHealth = health.Get(deployment.Id);
            if (deploymentHealth.IsRateLimited)
            {
                Failures.Add(new DeploymentFailure(deployment.Id, $"rate limited until {deploymentHealth.RetryAfterUntil:O}"));
                continue;
            }
            var lease = await deploymentHealth.TryAcquireAsync();
            if (lease is null)
            {
                Failures.Add(new DeploymentFailure(deployment.Id, "circuit open"));
                continue;
            }
            TClient client;
            try
            {
                client = clientOf(deployment);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or ProviderException)
            {
                // A deployment that cannot be configured (a missing key) is skipped, not counted against its circuit.
                lease.Abandon();
                Failures.Add(new DeploymentFailure(deployment.Id, $"not configured: {e.Message}"));
                continue;
            }
            return new Candidate<TClient>(deployment, lease, client);
        }
        return null;
    }

    /// <summary>A transient failure: noted, and the next deployment is tried.</summary>
    public void FailedOver(DeploymentDefinition deployment, Exception error)
    {
        Failures.Add(new DeploymentFailure(deployment.Id, Describe(error)));
        RouterTelemetry.Failovers.Add(1, new KeyValuePair<string, object?>("chatplatform.deployment.id", deployment.Id));
    }

    // The caller's mistakes (4xx) go back as the provider worded them. A provider refusing our credentials, or failing
    // in a way that is neither the caller's fault nor worth retrying, is a bad gateway, not the caller's 401 or 400.
    public static RoutingException Rejected(DeploymentDefinition deployment, ProviderException error) => error.StatusCode switch
    {
        401 or 403 => new RoutingException(
            502, "server_error", "provider_auth_error", $"Deployment '{deployment.Id}' refused the router's credentials.", innerException: error),
        int status and >= 400 and < 500 => new RoutingException(status, "invalid_request_error", null, error.Message, innerException: error),
        _ => new RoutingException(502, "server_error", "provider_error", $"Deployment '{deployment.Id}' failed: {error.Message}", innerException: error),
    };

    public RoutingException AllFailed(ModelDefinition model) =>
        new(503, "server_error", "all_deployments_failed",
            Failures.Count == 0
                ? $"The model '{model.Id}' has no enabled deployment."
                : $"No deployment of '{model.Id}' answered: " + string.Join("; ", Failures.Select(f => $"{f.DeploymentId}: {f.Reason}")),
            failures: [.. Failures]);

    private static string Describe(Exception error) => error switch
    {
        ProviderException { StatusCode: { } status } provider => $"{status} {provider.Message}",
        _ => error.Message,
    };
}

internal sealed record Candidate<TClient>(DeploymentDefinition Deployment, AttemptLease Lease, TClient Client);
