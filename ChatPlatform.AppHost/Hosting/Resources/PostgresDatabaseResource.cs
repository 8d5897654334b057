using ChatPlatform.AppHost.Hosting.Orchestration;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace ChatPlatform.AppHost.Hosting.Resources;

/// <summary>A database on a <see cref="PostgresServerResource"/>, created when missing.</summary>
public sealed class PostgresDatabaseResource(string name, PostgresServerResource server, string databaseName)
    : Resource(name), IResourceWithConnectionString
{
    private string? _existingConnectionString;

    public override string Type => "database";

    public PostgresServerResource Server { get; } = server;

    public string DatabaseName { get; } = databaseName;

    public bool IsExisting => _existingConnectionString is not null;

    public string? ConnectionString => _existingConnectionString ?? Server.ConnectionStringFor(DatabaseName);

    internal override IEnumerable<Resource> ImplicitWaitsFor => [Server];

    internal override void Prepare(HostContext context) =>
        _existingConnectionString = context.Configuration.GetConnectionString(Name) is { Length: > 0 } given ? given : null;

    internal override async Task StartAsync(HostContext context, CancellationToken cancellationToken)
    {
        var target = new NpgsqlConnectionStringBuilder(ConnectionString);
        // Through the server's maintenance database, as the same user: an existing server may already have it, or
        // may not let this user create it, in which case the health check says so.
        var maintenance = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Database = "postgres", Pooling = false };
        try
        {
            await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
            exists.Parameters.Add(new NpgsqlParameter { Value = target.Database });
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{target.Database!.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
                Log.Add($"created database '{target.Database}'", isError: false);
            }
        }
        catch (NpgsqlException e) when (IsExisting)
        {
            Log.Add($"could not make sure database '{target.Database}' exists: {e.Message}", isError: true);
        }
    }

    internal override Task<ResourceHealthResult> CheckHealthAsync(HostContext context, CancellationToken cancellationToken) =>
        HealthProbes.PostgresAsync(ConnectionString!, cancellationToken);

    internal override Task StopAsync(HostContext context) => Task.CompletedTask;
}
