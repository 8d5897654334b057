using System.Security.Cryptography;
using Npgsql;

namespace ChatPlatform.Testing.Servers;

/// <summary>
/// A PostgreSQL server run from the installed binaries, its cluster in <c>dataDirectory</c>, created on first
/// use and reused afterwards. PostgreSQL refuses to run as root, so under root it runs as the 'postgres' user.
/// </summary>
public sealed class PostgresProcess : IAsyncDisposable
{
    private const string SystemUser = "postgres";
    private readonly ChildProcess _process;
    private readonly string _dataDirectory;

    private PostgresProcess(ChildProcess process, string dataDirectory, int port, string password)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        Port = port;
        Password = password;
    }

    public int Port { get; }

    public string Password { get; }

    public ChildProcess Process => _process;

    public string GetConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = SystemUser,
            Password = Password,
            Database = database,
        }.ConnectionString;

    /// <param name="durable">False for throw-away test clusters: no fsync, much faster.</param>
    public static async Task<PostgresProcess> StartAsync(
        string dataDirectory, int port, Action<string, bool> onOutputLine, bool durable = true, CancellationToken cancellationToken = default)
    {
        var binDirectory = Path.GetDirectoryName(BinaryLocator.Find("postgres", "postgresql", "/usr/lib/postgresql/*/bin"))!;
        var runAs = UnixSignals.IsRoot ? SystemUser : null;
        dataDirectory = Path.GetFullPath(dataDirectory);
        var password = await EnsureClusterAsync(binDirectory, dataDirectory, runAs, cancellationToken);
        await StopStaleServerAsync(dataDirectory);

        string[] arguments =
        [
            "-D", dataDirectory,
            "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1",
            "-c", $"unix_socket_directories={SocketDirectory(dataDirectory, port)}",
            "-c", "max_connections=300",
            .. durable ? Array.Empty<string>() : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
        ];
        var process = ChildProcess.Start(Path.Combine(binDirectory, "postgres"), arguments, onOutputLine, dataDirectory, runAsUser: runAs);
        var server = new PostgresProcess(process, dataDirectory, port, password);
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

    // Clients connect over TCP; the socket only serves psql -h <data>. Its path must fit in 107 bytes, else none at all.
    private static string SocketDirectory(string dataDirectory, int port) =>
        Path.Combine(dataDirectory, $".s.PGSQL.{port}").Length <= 107 ? dataDirectory : "";

    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(GetConnectionString());
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.Add(new NpgsqlParameter { Value = database });
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default) =>
        await ServerProbes.PostgresAnswersAsync(GetConnectionString(), cancellationToken);

    private Task WaitUntilReadyAsync(CancellationToken cancellationToken) => _process.WaitUntilReadyAsync(
        IsHealthyAsync, "PostgreSQL", "did not accept connections", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100), cancellationToken);

    public Task StopAsync()
    {
        // SIGINT is PostgreSQL's fast shutdown; signal the postmaster itself, not the runuser wrapper.
        var postmaster = ReadPostmasterPid(_dataDirectory) ?? _process.Id;
        return _process.StopAsync(TimeSpan.FromSeconds(20), UnixSignals.SigInt, postmaster);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _process.DisposeAsync();
    }

    private static async Task<string> EnsureClusterAsync(string binDirectory, string dataDirectory, string? runAs, CancellationToken cancellationToken)
    {
        var passwordFile = dataDirectory.TrimEnd('/') + ".password";
        if (File.Exists(Path.Combine(dataDirectory, "PG_VERSION")) && File.Exists(passwordFile))
        {
            return (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim();
        }

        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true); // a half-made cluster from an interrupted first run
        }
        Directory.CreateDirectory(dataDirectory);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var initPasswordFile = Path.Combine(dataDirectory, "..", $".initdb-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(initPasswordFile, password, cancellationToken);
        try
        {
            if (runAs is not null)
            {
                await RunAsync("chown", ["-R", $"{runAs}:{runAs}", dataDirectory, initPasswordFile], null, cancellationToken);
            }
            var output = new System.Text.StringBuilder();
            var initdb = ChildProcess.Start(
                Path.Combine(binDirectory, "initdb"),
                ["-D", dataDirectory, "-U", SystemUser, "--pwfile", initPasswordFile, "--auth-host=scram-sha-256", "--auth-local=peer",
                 "-E", "UTF8", "--locale=C", "--no-sync"],
                (line, _) => { lock (output) { output.AppendLine(line); } },
                runAsUser: runAs);
            if (await initdb.Exited != 0)
            {
                throw new InvalidOperationException($"initdb failed:{Environment.NewLine}{output}");
            }
        }
        finally
        {
            File.Delete(initPasswordFile);
        }
        await File.WriteAllTextAsync(passwordFile, password, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return password;
    }

    // A host that died without stopping its children leaves a postmaster holding the data folder.
    private static async Task StopStaleServerAsync(string dataDirectory)
    {
        if (ReadPostmasterPid(dataDirectory) is not { } pid || !UnixSignals.IsAlive(pid) || !IsPostgres(pid))
        {
            return;
        }
        UnixSignals.Send(pid, UnixSignals.SigInt);
        for (var i = 0; i < 300 && UnixSignals.IsAlive(pid); i++)
        {
            await Task.Delay(100);
        }
    }

    private static bool IsPostgres(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim() is "postgres" or "postmaster";
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static int? ReadPostmasterPid(string dataDirectory)
    {
        try
        {
            var firstLine = File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(firstLine, out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static async Task RunAsync(string program, string[] arguments, string? runAs, CancellationToken cancellationToken)
    {
        var output = new System.Text.StringBuilder();
        var process = ChildProcess.Start(program, arguments, (line, _) => { lock (output) { output.AppendLine(line); } }, runAsUser: runAs);
        if (await process.Exited.WaitAsync(cancellationToken) != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed:{Environment.NewLine}{output}");
        }
    }
}
