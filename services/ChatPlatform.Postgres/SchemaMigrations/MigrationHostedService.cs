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
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
