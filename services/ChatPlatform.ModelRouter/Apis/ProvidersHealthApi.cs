using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.Routing;
using Microsoft.AspNetCore.Http.HttpResults;
using Polly.CircuitBreaker;

namespace ChatPlatform.ModelRouter.Apis;

public static class ProvidersHealthApi
{
    /// <summary><c>GET /v1/admin/providers/health</c>: what this instance has seen of each deployment in the catalog.</summary>
    public static IEndpointRouteBuilder MapProvidersHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/admin/providers/health", GetProvidersHealth);
        return app;
    }

    public static Ok<ProvidersHealth> GetProvidersHealth(IModelCatalog catalog, DeploymentHealthRegistry registry)
    {
        var deployments = catalog.Current.Deployments
            .OrderBy(d => d.ModelId, StringComparer.Ordinal)
            .ThenBy(d => d.Priority)
            .Select(d =>
            {
                var health = registry.Get(d.Id);
                var report = health.Report();
                return new DeploymentHealthEntry(
                    d.Id, d.ModelId, RouterTelemetry.ProviderName(d.Provider), d.Enabled, StateName(health.CircuitState),
                    report.TimeToFirstTokenMs is { } ms ? Math.Round(ms, 1) : null, Math.Round(report.ErrorRate, 4),
                    report.Requests, report.Failures, report.LastError, report.LastErrorAt, report.RetryAfterUntil);
            })
            .ToList();
        return TypedResults.Ok(new ProvidersHealth(deployments));
    }

    private static string StateName(CircuitState state) => state switch
    {
        CircuitState.Closed => "closed",
        CircuitState.HalfOpen => "half-open",
        CircuitState.Isolated => "isolated",
        _ => "open",
    };
}

public sealed record ProvidersHealth(IReadOnlyList<DeploymentHealthEntry> Deployments);

public sealed record DeploymentHealthEntry(
    string Id,
    string Model,
    string Provider,
    bool Enabled,
    string State,
    double? TimeToFirstTokenEwmaMs,
    double ErrorRate,
    long Requests,
    long Failures,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    DateTimeOffset? RetryAfterUntil);
