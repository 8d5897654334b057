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
    /// in <paramref name="migrationsAssembly"/>. Call it once per schema; the data source is registered once, with
    /// <see cref="DedicatedConnections"/> beside it for the connections background loops hold.
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

        var plugins = DataSourcePlugins(builder.Services);
        var schemas = new ChatDatabaseSchemas();
        schemas.Add(schema, migrationsAssembly);
        builder.Services.AddSingleton(schemas);
        builder.Services.AddSingleton<MigrationStatus>();
        builder.AddNpgsqlDataSource(ConnectionStringName, configureDataSourceBuilder: data => Tune(data, builder.Environment, plugins));
        builder.Services.AddSingleton<DedicatedConnections>();
        builder.Services.AddHostedService<MigrationHostedService>();
        builder.Services.AddHealthChecks().AddCheck<MigrationsHealthCheck>("migrations", tags: ["ready"]);
        // The database out of reach answers 503 with Retry-After, in every service, through the shared exception handler.
        builder.Services.AddSingleton<IExceptionProblemMapper, DatabaseUnavailableProblems>();
        return builder;
    }

    /// <summary>
    /// Adds to how the shared data source is built (a type plugin such as pgvector's <c>UseVector</c>), before or after
    /// <see cref="AddChatDatabase"/>. Types a plugin maps may be created by a migration (an extension) after the data
    /// source first loaded the database's types, so with a plugin the types are reloaded once migrations are done.
    /// </summary>
    public static IHostApplicationBuilder ConfigureChatDataSource(this IHostApplicationBuilder builder, Action<NpgsqlDataSourceBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        DataSourcePlugins(builder.Services).Add(configure);
        return builder;
    }

    private static ChatDataSourcePlugins DataSourcePlugins(IServiceCollection services)
    {
        if (services.FirstOrDefault(d => d.ServiceType == typeof(ChatDataSourcePlugins))?.ImplementationInstance is ChatDataSourcePlugins plugins)
        {
            return plugins;
        }
        plugins = new ChatDataSourcePlugins();
        services.AddSingleton(plugins);
        return plugins;
    }

    private static void Tune(NpgsqlDataSourceBuilder builder, IHostEnvironment environment, ChatDataSourcePlugins plugins)
    {
        plugins.Apply(builder);
        // Names the service in pg_stat_activity unless the connection string already does.
        builder.ConnectionStringBuilder.ApplicationName ??= environment.ApplicationName;
        // No automatic preparation, even when the connection string asks for it: a statement that Npgsql prepares in the
        // same round trip as its first use, and whose parameters PostgreSQL then refuses at Bind (a NUL in text, 22021; in
        // jsonb, 22P05), is recorded as prepared without its row description. Every later use of it on that pooled
        // connection reads its rows as unexpected ("Received unexpected backend message DataRow"), whoever sends it.
        // Reset on close stays on too: no session state may outlive a request on a pooled connection.
        builder.ConnectionStringBuilder.MaxAutoPrepare = 0;
    }
}
