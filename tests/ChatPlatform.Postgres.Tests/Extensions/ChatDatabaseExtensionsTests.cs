using ChatPlatform.Postgres.Tests.SchemaMigrations;
using ChatPlatform.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatPlatform.Postgres.Tests.Extensions;

public sealed class ChatDatabaseExtensionsTests(PostgresFixture postgres)
{
    private const string DatabaseCheck = "PostgreSql";
    private static readonly System.Reflection.Assembly Migrations = typeof(ChatDatabaseExtensionsTests).Assembly;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Starting_the_host_migrates_the_schema_and_then_reports_ready()
    {
        using var host = Build(CreateBuilder(await postgres.CreateDatabaseAsync(Cancellation)));
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var before = await health.CheckHealthAsync(Cancellation);
        await host.StartAsync(Cancellation);
        var after = await health.CheckHealthAsync(Cancellation);

        Assert.Equal(HealthStatus.Unhealthy, before.Entries["migrations"].Status);
        Assert.Equal(HealthStatus.Healthy, after.Entries["migrations"].Status);
        // The data source's own check comes from Aspire's Npgsql integration.
        Assert.Equal(HealthStatus.Healthy, after.Entries[DatabaseCheck].Status);
        Assert.Contains("ready", after.Entries["migrations"].Tags);
        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
        Assert.Equal(["0001_create_notes.sql", "0002_add_note_created_at.sql"], (await SchemaMigratorTests.HistoryAsync(dataSource, "notes")).Select(h => h.Name));
        await host.StopAsync(Cancellation);
    }

    [Fact]
    public async Task Registering_twice_shares_one_data_source_and_migrates_each_schema()
    {
        var builder = CreateBuilder(await postgres.CreateDatabaseAsync(Cancellation));
        builder.AddChatDatabase("notes", Migrations);
        builder.AddChatDatabase("archive", Migrations);
        builder.AddChatDatabase("notes", Migrations);
        using var host = builder.Build();

        await host.StartAsync(Cancellation);

        Assert.Single(host.Services.GetServices<NpgsqlDataSource>());
        var checks = host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Select(r => r.Name);
        Assert.Equal([DatabaseCheck, "migrations"], checks.Order(StringComparer.Ordinal));
        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
        Assert.Equal(2, (await SchemaMigratorTests.HistoryAsync(dataSource, "notes")).Count);
        Assert.Equal(2, (await SchemaMigratorTests.HistoryAsync(dataSource, "archive")).Count);
        var status = host.Services.GetRequiredService<MigrationStatus>();
        Assert.True(status.IsApplied("notes") && status.IsApplied("archive"));
        await host.StopAsync(Cancellation);
    }

    [Fact]
    public async Task Statements_are_never_prepared_automatically_even_when_the_connection_string_asks()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync(Cancellation)) { MaxAutoPrepare = 20 };
        using var host = Build(CreateBuilder(connectionString.ConnectionString));

        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();

        // Npgsql's auto-preparation desynchronises a connection after a statement refused at Bind (PooledConnectionTests).
        Assert.Equal(0, new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxAutoPrepare);
    }

    [Fact]
    public async Task Data_source_plugins_registered_before_or_after_the_schema_shape_the_one_data_source()
    {
        var builder = CreateBuilder(await postgres.CreateDatabaseAsync(Cancellation));
        builder.ConfigureChatDataSource(data => data.ConnectionStringBuilder.CommandTimeout = 77);
        builder.AddChatDatabase("notes", Migrations);
        builder.ConfigureChatDataSource(data => data.ConnectionStringBuilder.Timeout = 9);
        using var host = builder.Build();

        await host.StartAsync(Cancellation);
        var settings = new NpgsqlConnectionStringBuilder(host.Services.GetRequiredService<NpgsqlDataSource>().ConnectionString);

        Assert.Equal(77, settings.CommandTimeout);
        Assert.Equal(9, settings.Timeout);
        Assert.Equal(0, settings.MaxAutoPrepare);
        await host.StopAsync(Cancellation);
    }

    [Fact]
    public async Task Missing_connection_string_stops_startup_with_a_clear_error()
    {
        using var host = Build(CreateBuilder(connectionString: null));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Cancellation));

        Assert.Contains("ConnectionStrings:chatdb", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changed_applied_migration_stops_host_startup_and_stays_unready()
    {
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        {
            var original = EmbeddedMigrations.Load(Migrations);
            await new SchemaMigrator(dataSource, "notes", [original[0] with { Sql = original[0].Sql + "\n-- an earlier edit\n" }])
                .MigrateAsync(Cancellation);
        }
        using var host = Build(CreateBuilder(connectionString));

        var error = await Assert.ThrowsAsync<MigrationException>(() => host.StartAsync(Cancellation));

        Assert.StartsWith("Migration 0001_create_notes.sql in schema notes was changed after it was applied", error.Message, StringComparison.Ordinal);
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Cancellation);
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["migrations"].Status);
        await Assert.ThrowsAsync<MigrationException>(() => host.Services.GetRequiredService<MigrationStatus>().WhenAppliedAsync("notes", Cancellation));
    }

    private static IHost Build(HostApplicationBuilder builder)
    {
        builder.AddChatDatabase("notes", Migrations);
        return builder.Build();
    }

    private static HostApplicationBuilder CreateBuilder(string? connectionString)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:chatdb"] = connectionString });
        return builder;
    }
}
