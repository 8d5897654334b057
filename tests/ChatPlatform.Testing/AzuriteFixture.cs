using ChatPlatform.Testing.Servers;
using Xunit;

namespace ChatPlatform.Testing;

/// <summary>
/// One real Azurite blob service per test assembly (register with <c>[assembly: AssemblyFixture(typeof(AzuriteFixture))]</c>).
/// Tests isolate themselves by container names or by the ids in blob names.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private readonly string _directory = TestDirectories.Create("azurite");
    private ServerLog? _log;
    private AzuriteProcess? _server;

    public AzuriteProcess Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    /// <summary>An Azure Storage connection string with the server's own account key.</summary>
    public string ConnectionString => Server.ConnectionString;

    public async ValueTask InitializeAsync()
    {
        _log = new ServerLog(Path.Combine(_directory, "azurite.log"));
        _server = await AzuriteProcess.StartAsync(_directory, FreePort.Next(), _log.Write);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _log?.Dispose();
        PostgresFixture.TryDelete(_directory);
    }
}
