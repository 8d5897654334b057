using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace ChatPlatform.Postgres;

/// <summary>
/// Connections to the shared database that a background loop holds for as long as it runs (a LISTEN, a session advisory
/// lock), opened outside the pool that requests draw from. Held from the pool, each would take one of its
/// <c>Max Pool Size</c> for good: with as many such loops as that, every request (and the loops' own reads) waited out the
/// pool's timeout. Each is its own physical connection, and closing it ends its session, its locks and LISTENs with it.
/// </summary>
public sealed class DedicatedConnections : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    public DedicatedConnections(IConfiguration configuration, IHostEnvironment environment)
    {
        var connectionString = configuration.GetConnectionString(ChatDatabaseExtensions.ConnectionStringName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ChatDatabaseExtensions.ConnectionStringName} is not set.");
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.Pooling = false;
        builder.ConnectionStringBuilder.ApplicationName ??= environment.ApplicationName;
        _dataSource = builder.Build();
    }

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => _dataSource.OpenConnectionAsync(cancellationToken);

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
