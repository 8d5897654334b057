using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace ChatPlatform.Postgres;

public static class ChatDatabaseExtensions
{
    public const string ConnectionStringName = "chatdb";

    /// <summary>
    /// The one database every service shares (<c>ConnectionStrings:chatdb</c>) through Aspire's Npgsql integration: a
    /// singleton <see cref="NpgsqlDataSource"/> with its health check, tracing and metrics, plus a "migrations" check and
    /// start-up migration of <paramref name="schema"/> from the <c>Migrations/NNNN_description.sql</c> files embedded
    /// in <paramref name="migrationsAssembly"/>. Call it once per schema; the data source is registered once.
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
        builder.AddNpgsqlDataSource(ConnectionStringName, configureDataSourceBuilder: data => Tune(data, builder.Environment));
        builder.Services.AddHostedService<MigrationHostedService>();
        builder.Services.AddHealthChecks().AddCheck<MigrationsHealthCheck>("migrations", tags: ["ready"]);
        return builder;
    }

    private static void Tune(NpgsqlDataSourceBuilder builder, IHostEnvironment environment)
    {
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
    }
}
