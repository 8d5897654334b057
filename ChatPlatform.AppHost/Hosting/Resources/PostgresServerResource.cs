using ChatPlatform.AppHost.Hosting.Local;
using ChatPlatform.AppHost.Hosting.Orchestration;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace ChatPlatform.AppHost.Hosting.Resources;

/// <summary>
/// A PostgreSQL server: a local one (<see cref="PostgresProcess"/>, cluster in <c>&lt;data&gt;/{name}</c>), or an existing
/// one when <c>ConnectionStrings:{name}</c> is configured, or when every database on it has its own connection string.
/// </summary>
public sealed class PostgresServerResource(string name) : Resource(name), IResourceWithConnectionString
{
    private readonly List<PostgresDatabaseResource> _databases = [];
    private string? _existingConnectionString;
    private bool _databasesAllExisting;
    private PostgresProcess? _server;

    public override string Type => "postgres";

    public IReadOnlyList<PostgresDatabaseResource> Databases => _databases;

    public int? Port { get; private set; }

    public bool IsExisting => _existingConnectionString is not null || _databasesAllExisting;

    public string? ConnectionString => _existingConnectionString ?? _server?.GetConnectionString();

    public override int? ProcessId => _server?.Process.Id;

    public override IReadOnlyList<Uri> Endpoints => Port is { } port ? [new Uri($"tcp://127.0.0.1:{port}")] : [];

    internal void AddDatabase(PostgresDatabaseResource database) => _databases.Add(database);

    internal string? ConnectionStringFor(string database) =>
        _existingConnectionString is not null
            ? new NpgsqlConnectionStringBuilder(_existingConnectionString) { Database = database }.ConnectionString
            : _server?.GetConnectionString(database);

    internal override void Prepare(HostContext context)
    {
        _existingConnectionString = context.Configuration.GetConnectionString(Name) is { Length: > 0 } given ? given : null;
        _databasesAllExisting = _databases.Count > 0
            && _databases.All(d => context.Configuration.GetConnectionString(d.Name) is { Length: > 0 });
        if (!IsExisting)
        {
            BinaryLocator.Find("postgres", "postgresql", "/usr/lib/postgresql/*/bin");
            Port = context.Ports.Allocate();
        }
    }

    internal override async Task StartAsync(HostContext context, CancellationToken cancellationToken)
    {
        if (IsExisting)
        {
            return;
        }
        _server = await PostgresProcess.StartAsync(
            Path.Combine(context.DataDirectory, Name), Port!.Value, context.OutputFor(this), context.Options.DurableStorage, cancellationToken);
        context.Track(this, _server.Process);
    }

    internal override Task<ResourceHealthResult> CheckHealthAsync(HostContext context, CancellationToken cancellationToken) =>
        ConnectionString is { } connectionString
            ? HealthProbes.PostgresAsync(connectionString, cancellationToken)
            : Task.FromResult(ResourceHealthResult.Healthy("every database has its own connection string"));

    internal override Task StopAsync(HostContext context) => _server?.StopAsync() ?? Task.CompletedTask;
}
