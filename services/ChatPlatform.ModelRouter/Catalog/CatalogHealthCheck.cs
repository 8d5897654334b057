using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatPlatform.ModelRouter.Catalog;

/// <summary>"catalog": unhealthy until the catalog has been loaded, so no traffic arrives before the router knows its models.</summary>
internal sealed class CatalogHealthCheck(ModelCatalog catalog) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(catalog.IsLoaded
            ? HealthCheckResult.Healthy($"{catalog.Current.Models.Count} models, {catalog.Current.Deployments.Count} deployments.")
            : HealthCheckResult.Unhealthy("The model catalog has not been loaded yet."));
}
