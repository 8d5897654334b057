using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatPlatform.Postgres;

public static class ChatDatabaseExtensions
{
    public const string ConnectionStringName = "chatdb";

    /// <summary>
    /// The one database every service shares (<c>ConnectionStrings:chatdb</c>): a singleton <see cref="NpgsqlDataSource"/>,
    /// health checks "chatdb" and "migrations" (tagged "ready"), and start-up migration of <paramref name="schema"/> from
    /// the <c>Migrations/NNNN_description.sql</c> files embedded in <paramref name="migrationsAssembly"/>.
    /// Call it once per schema; the data source and health checks are registered once.
    /// Npgsql's tracing (ActivitySource "Npgsql") and metrics (meter "Npgsql") stay on; ServiceDefaults subscribes to them.
    /// </summary>
    public static IHostApplicationBuilder AddChatDatabase(this IHostApplicationBuilder builder, string schema, Assembly migrationsAssembly)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(migrationsAssembly);

        if (builder.Services.FirstOrDefault(d => d.ServiceType == typeof(ChatDatabaseSchemas))?.ImplementationInstance
            is ChatDatabaseSchemas registered)
        {
            registered.Add(schema, migrationsAssembly);
            return builder;
        }

        var schemas = new ChatDatabaseSchemas();
        schemas.Add(schema, migrationsAssembly);
        builder.Services.AddSingleton(schemas);
        builder.Services.AddSingleton<MigrationStatus>();
        builder.Services.AddSingleton(services => CreateDataSource(builder.Configuration, builder.Environment, services));
        builder.Services.AddHostedService<MigrationHostedService>();
        builder.Services.AddHealthChecks()
            .AddCheck<ChatDatabaseHealthCheck>(ConnectionStringName, tags: ["ready"])
            .AddCheck<MigrationsHealthCheck>("migrations", tags: ["ready"]);
        return builder;
    }

    private static NpgsqlDataSource CreateDataSource(IConfiguration configuration, IHostEnvironment environment, IServiceProvider services)
    {
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"The PostgreSQL connection string is missing: set ConnectionStrings:{ConnectionStringName} "
                + $"(environment variable ConnectionStrings__{ConnectionStringName}), e.g. \"Host=localhost;Database=chatdb;Username=...;Password=...\".");
        }

        NpgsqlDataSourceBuilder builder;
        try
        {
            builder = new NpgsqlDataSourceBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"ConnectionStrings:{ConnectionStringName} is not a valid Npgsql connection string: {e.Message}", e);
        }
        // Names the service in pg_stat_activity unless the connection string already does.
        builder.ConnectionStringBuilder.ApplicationName ??= environment.ApplicationName;
        // The hot paths run the same few statements over and over: prepare them once per connection instead of parsing
        // each time, and keep them (a reset on every return to the pool, DISCARD ALL, would drop them). No code here
        // leaves session state on a pooled connection; the event log's listener gives up its LISTEN and lock itself.
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 100;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        }
        builder.UseLoggerFactory(services.GetService<ILoggerFactory>());
        return builder.Build();
    }
}
