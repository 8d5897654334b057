using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ChatPlatform.AppHost.Infrastructure;

/// <summary>PostgreSQL run from Debian's binaries, its cluster in the data folder, created on first use.</summary>
internal sealed class LocalPostgresResource(string name, string dataDirectory, ParameterResource password)
    : ExecutableResource(name, "/bin/sh", dataDirectory), IResourceWithConnectionString
{
    public const string SystemUser = "postgres";

    public string ClusterDirectory { get; } = Path.Combine(dataDirectory, name);

    public ParameterResource Password { get; } = password;

    public EndpointReference Endpoint => new(this, "tcp");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host=127.0.0.1;Port={Endpoint.Property(EndpointProperty.Port)};Username={SystemUser};Password={Password}");
}

/// <summary>A database on a <see cref="LocalPostgresResource"/>, created when the server is ready.</summary>
internal sealed class LocalPostgresDatabaseResource(string name, LocalPostgresResource server)
    : Resource(name), IResourceWithParent<LocalPostgresResource>, IResourceWithConnectionString
{
    public LocalPostgresResource Parent { get; } = server;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Parent};Database={Name}");
}

internal static class LocalPostgres
{
    // The server's fast shutdown is SIGINT; SIGTERM, which is what it gets when the host stops, would wait for every
    // client to leave. The shell passes one for the other and exits with the server's status.
    private const string FastShutdown = """trap 'kill -INT "$pid"; wait "$pid"; exit $?' TERM INT; umask 077; "$@" & pid=$!; wait "$pid" """;

    public static IResourceBuilder<LocalPostgresDatabaseResource> AddLocalPostgres(
        this IDistributedApplicationBuilder builder, string name, string databaseName, string dataDirectory)
    {
        var binaries = FindBinaries();
        var password = new ParameterResource($"{name}-password", _ => DataDirectory.Secret(dataDirectory, $"{name}.password"), secret: true);
        var server = new LocalPostgresResource(name, dataDirectory, password);
        var port = FreePort.Next();

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(server, async (_, ct) =>
        {
            await EnsureClusterAsync(binaries, server.ClusterDirectory, await password.GetValueAsync(ct) ?? "", ct);
            await StopStaleServerAsync(server.ClusterDirectory, ct);
        });
        var database = new LocalPostgresDatabaseResource(databaseName, server);
        // Aspire passes a server's state on to its databases only for containers: the database is running once created.
        builder.Eventing.Subscribe<ResourceReadyEvent>(server, async (e, ct) =>
        {
            await CreateDatabaseAsync(server, databaseName, ct);
            await e.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(database, s => s with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            });
        });

        builder.AddResource(server)
            .WithEndpoint("tcp", e => (e.Port, e.TargetPort, e.IsProxied, e.UriScheme) = (port, port, false, "tcp"))
            .WithArgs(["-c", FastShutdown, "postgres", .. AsSystemUser(Path.Combine(binaries, "postgres")),
                "-D", server.ClusterDirectory, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=300"])
            .WithHealthCheck(ConnectionHealthCheck.Register(builder, server, ConnectionHealthCheck.PostgresAsync));
        return builder.AddResource(database)
            .WithInitialState(new() { ResourceType = "PostgresDatabase", State = KnownResourceStates.Waiting, Properties = [] })
            .WithHealthCheck(ConnectionHealthCheck.Register(builder, database, ConnectionHealthCheck.PostgresAsync));
    }

    // PostgreSQL refuses to run as root: under root it runs as its own system user.
    private static string[] AsSystemUser(string program) => Environment.IsPrivilegedProcess
        ? ["setpriv", $"--reuid={LocalPostgresResource.SystemUser}", $"--regid={LocalPostgresResource.SystemUser}", "--init-groups", "--", program]
        : [program];

    private static string FindBinaries() =>
        (Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql") : [])
            .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var version) ? version : 0)
            .Select(d => Path.Combine(d, "bin"))
            .FirstOrDefault(bin => File.Exists(Path.Combine(bin, "postgres")))
        ?? throw new DistributedApplicationException(
            "PostgreSQL is not installed: run `bash .ci/setup` (or `apt-get install -y postgresql`).");

    private static async Task EnsureClusterAsync(string binaries, string cluster, string password, CancellationToken ct)
    {
        if (File.Exists(Path.Combine(cluster, "PG_VERSION")))
        {
            return;
        }
        if (Directory.Exists(cluster))
        {
            Directory.Delete(cluster, recursive: true); // a half-made cluster from an interrupted first run
        }
        Directory.CreateDirectory(cluster);
        // The password goes in through a private file, never on a command line that others can read.
        var passwordFolder = Directory.CreateTempSubdirectory("chatplatform-initdb-");
        var passwordFile = Path.Combine(passwordFolder.FullName, "password");
        try
        {
            await File.WriteAllTextAsync(passwordFile, password, ct);
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            if (Environment.IsPrivilegedProcess)
            {
                var owner = $"{LocalPostgresResource.SystemUser}:{LocalPostgresResource.SystemUser}";
                await RunAsync("chown", [owner, cluster, passwordFolder.FullName, passwordFile], ct);
            }
            var initdb = AsSystemUser(Path.Combine(binaries, "initdb"));
            await RunAsync(initdb[0],
                [.. initdb[1..], "-D", cluster, "-U", LocalPostgresResource.SystemUser, $"--pwfile={passwordFile}",
                 "--auth-host=scram-sha-256", "--auth-local=peer", "-E", "UTF8", "--locale=C", "--no-sync"],
                ct);
        }
        finally
        {
            passwordFolder.Delete(recursive: true);
        }
    }

    // A host that died without stopping its children can leave a server holding the cluster.
    private static async Task StopStaleServerAsync(string cluster, CancellationToken ct)
    {
        var pidFile = Path.Combine(cluster, "postmaster.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid)
            || !File.Exists($"/proc/{pid}/comm") || File.ReadAllText($"/proc/{pid}/comm").Trim() is not ("postgres" or "postmaster"))
        {
            return;
        }
        await RunAsync("kill", ["-INT", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], ct);
        for (var i = 0; i < 300 && Directory.Exists($"/proc/{pid}"); i++)
        {
            await Task.Delay(100, ct);
        }
    }

    private static async Task CreateDatabaseAsync(LocalPostgresResource server, string database, CancellationToken ct)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await ((IResourceWithConnectionString)server).GetConnectionStringAsync(ct)) { Pooling = false };
        await using var connection = new NpgsqlConnection(connectionString.ConnectionString);
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = database } } };
        if (await exists.ExecuteScalarAsync(ct) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task RunAsync(string program, IEnumerable<string> arguments, CancellationToken ct)
    {
        var info = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new DistributedApplicationException($"{program} failed ({process.ExitCode}): {await output}{await errors}");
        }
    }
}
