using ChatPlatform.Testing.Servers;
using Npgsql;
using Xunit;

namespace ChatPlatform.Testing;

/// <summary>
/// One real PostgreSQL server per test assembly (register with <c>[assembly: AssemblyFixture(typeof(PostgresFixture))]</c>).
/// Tests isolate themselves with <see cref="CreateDatabaseAsync"/>: a fresh database each.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly string _directory = TestDirectories.Create("postgres");
    private ServerLog? _log;
    private PostgresProcess? _server;

    public PostgresProcess Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    public string AdminConnectionString => Server.GetConnectionString();

    public async ValueTask InitializeAsync()
    {
        _log = new ServerLog(Path.Combine(_directory, "postgres.log"));
        _server = await PostgresProcess.StartAsync(Path.Combine(_directory, "data"), FreePort.Next(), _log.Write, durable: false);
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken = default)
    {
        var name = $"test_{Guid.NewGuid():N}";
        await Server.EnsureDatabaseAsync(name, cancellationToken);
        return new NpgsqlConnectionStringBuilder(Server.GetConnectionString(name)) { MaxPoolSize = 50 }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _log?.Dispose();
        TryDelete(_directory);
    }

    internal static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the OS to clean from /tmp; never fail a run over it.
        }
    }
}
