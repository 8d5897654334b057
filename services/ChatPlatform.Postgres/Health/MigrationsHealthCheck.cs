using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatPlatform.Postgres;

/// <summary>"migrations": unhealthy until every registered schema is migrated, so traffic waits for the tables.</summary>
internal sealed class MigrationsHealthCheck(ChatDatabaseSchemas schemas, MigrationStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var pending = schemas.All.Select(s => s.Schema).Where(schema => !status.IsApplied(schema)).ToList();
        return Task.FromResult(pending.Count == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"Schemas not migrated yet: {string.Join(", ", pending)}."));
    }
}
