using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace ChatPlatform.Postgres;

/// <summary>"chatdb": a connection opens and answers <c>SELECT 1</c>.</summary>
internal sealed class ChatDatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "PostgreSQL does not answer.", e);
        }
    }
}
