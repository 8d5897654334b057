using ChatPlatform.Testing.Servers;
using Xunit;

namespace ChatPlatform.Testing;

/// <summary>
/// One real redis-server per test assembly (register with <c>[assembly: AssemblyFixture(typeof(RedisFixture))]</c>).
/// Tests isolate themselves by key names (<see cref="UniqueKey"/>).
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private readonly string _directory = TestDirectories.Create("redis");
    private ServerLog? _log;
    private RedisProcess? _server;

    public RedisProcess Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    /// <summary>In the contract's format, <c>host:port</c>.</summary>
    public string ConnectionString => Server.ConnectionString;

    public static string UniqueKey(string name) => $"test:{Guid.NewGuid():N}:{name}";

    public async ValueTask InitializeAsync()
    {
        _log = new ServerLog(Path.Combine(_directory, "redis.log"));
        _server = await RedisProcess.StartAsync(Path.Combine(_directory, "data"), FreePort.Next(), _log.Write, durable: false);
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
