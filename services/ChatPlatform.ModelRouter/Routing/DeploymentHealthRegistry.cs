using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace ChatPlatform.ModelRouter.Routing;

/// <summary>The health of every deployment this instance has routed to; one per process.</summary>
public sealed class DeploymentHealthRegistry(IOptions<RoutingOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DeploymentHealth> _health = new(StringComparer.Ordinal);

    public DeploymentHealth Get(string deploymentId) =>
        _health.GetOrAdd(deploymentId, static (id, state) => new DeploymentHealth(id, state.Options.Value.CircuitBreaker, state.Time), (Options: options, Time: time));
}
