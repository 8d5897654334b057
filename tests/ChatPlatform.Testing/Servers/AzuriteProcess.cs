using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace ChatPlatform.Testing.Servers;

/// <summary>
/// npm's Azurite (blob service only) from <c>ChatPlatform.AppHost/node_modules</c> on a loopback port, in memory, under
/// an account key of its own as the AppHost runs it (so a client signed with the well-known development key fails).
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    public const string Account = "devstoreaccount1";

    private readonly ChildProcess _process;

    private AzuriteProcess(ChildProcess process, int port, string accountKey)
    {
        _process = process;
        Port = port;
        AccountKey = accountKey;
    }

    public int Port { get; }

    public string AccountKey { get; }

    public Uri BlobEndpoint => new($"http://127.0.0.1:{Port}/{Account}");

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};";

    public static async Task<AzuriteProcess> StartAsync(
        string workingDirectory, int port, Action<string, bool> onOutputLine, CancellationToken cancellationToken = default)
    {
        var program = FindProgram();
        var accountKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        Directory.CreateDirectory(workingDirectory);
        // --disableTelemetry also lets it stop on SIGTERM; --inMemoryPersistence leaves nothing behind.
        var process = ChildProcess.Start(
            program,
            [
                "--blobHost", "127.0.0.1", "--blobPort", port.ToString(CultureInfo.InvariantCulture),
                "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck",
            ],
            onOutputLine,
            workingDirectory,
            new Dictionary<string, string?> { ["AZURITE_ACCOUNTS"] = $"{Account}:{accountKey}" });
        var server = new AzuriteProcess(process, port, accountKey);
        try
        {
            await process.WaitUntilReadyAsync(
                server.AnswersAsync, "azurite", "did not accept connections", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100), cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    private async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The AppHost's npm install of Azurite, found from the test's output folder upwards.</summary>
    private static string FindProgram()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "ChatPlatform.AppHost", "node_modules", ".bin", "azurite-blob");
            if (File.Exists(candidate))
            {
                return candidate;
            }
            if (File.Exists(Path.Combine(directory.FullName, "ChatPlatform.sln")))
            {
                break;
            }
        }
        throw new MissingBinaryException(
            "Azurite is not installed: run `npm ci --prefix ChatPlatform.AppHost --no-audit --no-fund` (or .ci/setup).");
    }

    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync(TimeSpan.FromSeconds(10));
        await _process.DisposeAsync();
    }
}
