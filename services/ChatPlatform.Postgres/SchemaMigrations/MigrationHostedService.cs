using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatPlatform.Postgres;

/// <summary>Migrates every registered schema while the host starts; a failure stops start-up.</summary>
internal sealed class MigrationHostedService(
    NpgsqlDataSource dataSource,
    ChatDatabaseSchemas schemas,
    MigrationStatus status,
    ILogger<SchemaMigrator> logger,
    ChatDataSourcePlugins? plugins = null,
    TimeProvider? timeProvider = null) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (schema, _, migrations) in schemas.All)
        {
            try
            {
                await new SchemaMigrator(dataSource, schema, migrations, logger, timeProvider).MigrateAsync(cancellationToken);
                status.MarkApplied(schema);
            }
            catch (Exception e)
            {
                status.MarkFailed(schema, e);
                throw;
            }
        }
        if (plugins is { Any: true })
        {
            // The migration's connection loaded the database's types before a migration could create a plugin's type
            // (CREATE EXTENSION vector); without a reload that type would stay unknown to this data source. This runs
            // even when another instance applied the migration, since it too may have raced this one's first load.
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await connection.ReloadTypesAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
