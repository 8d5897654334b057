using System.Globalization;

namespace ChatPlatform.Testing.Servers;

/// <summary>A redis-server run from the installed binary on loopback, its snapshot in <c>dataDirectory</c>.</summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private readonly string _binary;
    private readonly string _dataDirectory;
    private readonly bool _durable;
    private readonly Action<string, bool> _onOutputLine;
    private ChildProcess _process;

    private RedisProcess(string binary, string dataDirectory, int port, bool durable, Action<string, bool> onOutputLine)
    {
        _binary = binary;
        _dataDirectory = dataDirectory;
        _durable = durable;
        _onOutputLine = onOutputLine;
        Port = port;
        _process = Launch();
    }

    public int Port { get; }

    public ChildProcess Process => _process;

    /// <summary>In the contract's format: <c>host:port</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <param name="durable">False for throw-away test servers: nothing is written to disk.</param>
    public static async Task<RedisProcess> StartAsync(
        string dataDirectory, int port, Action<string, bool> onOutputLine, bool durable = true, CancellationToken cancellationToken = default)
    {
        var binary = BinaryLocator.Find("redis-server", "redis-server");
        Directory.CreateDirectory(dataDirectory);
        var server = new RedisProcess(binary, Path.GetFullPath(dataDirectory), port, durable, onOutputLine);
        try
        {
            await server.WaitUntilReadyAsync(cancellationToken);
        }
        catch
        {
            await server.DisposeAsync(); // cancelled or failed: leave no server running that nobody holds
            throw;
        }
        return server;
    }

    private ChildProcess Launch() => ChildProcess.Start(
        _binary,
        [
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--dir", _dataDirectory,
            "--daemonize", "no",
            "--save", _durable ? "60 1" : "",
            "--appendonly", "no",
        ],
        _onOutputLine,
        _dataDirectory);

    /// <summary>Stops the server and starts it again on the same port, as an operator's restart would.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        _process = Launch();
        await WaitUntilReadyAsync(cancellationToken);
    }

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default) =>
        await ServerProbes.RedisAnswersAsync(Port, cancellationToken);

    private Task WaitUntilReadyAsync(CancellationToken cancellationToken) => _process.WaitUntilReadyAsync(
        IsHealthyAsync, "redis-server", "did not answer PING", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50), cancellationToken);

    public Task StopAsync() => _process.StopAsync(TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _process.DisposeAsync();
    }
}
