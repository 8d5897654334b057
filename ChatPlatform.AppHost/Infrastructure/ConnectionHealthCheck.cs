using Microsoft.Extensions.DependencyInjection;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using StackExchange.Redis;

namespace ChatPlatform.AppHost.Infrastructure;

/// <summary>A store's health in the dashboard: its connection string, used the way the services use it.</summary>
internal sealed class ConnectionHealthCheck(IResourceWithConnectionString resource, Func<string, CancellationToken, Task> probe) : IHealthCheck
{
    /// <summary>Registers the check for <paramref name="resource"/> and returns its key for <c>WithHealthCheck</c>.</summary>
    public static string Register(IDistributedApplicationBuilder builder, IResourceWithConnectionString resource, Func<string, CancellationToken, Task> probe)
    {
        var key = $"{resource.Name}-connection";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key, _ => new ConnectionHealthCheck(resource, probe), null, null));
        return key;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await probe(await resource.GetConnectionStringAsync(cancellationToken) ?? "", cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    }

    public static async Task PostgresAsync(string connectionString, CancellationToken ct)
    {
        // No pooling: each check is a new connection, and none is left open to hold up the server's shutdown.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 3 };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync(ct);
    }

    public static async Task RedisAsync(string connectionString, CancellationToken ct)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.ConnectTimeout = 3_000;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        await redis.GetDatabase().PingAsync();
    }

    public static async Task BlobsAsync(string connectionString, CancellationToken ct) =>
        await new BlobServiceClient(connectionString).GetPropertiesAsync(ct);
}
