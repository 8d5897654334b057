using ChatPlatform.AppHost.Hosting.Local;
using ChatPlatform.AppHost.Hosting.Orchestration;
using Microsoft.Extensions.Configuration;

namespace ChatPlatform.AppHost.Hosting.Resources;

/// <summary>A local redis-server (<see cref="RedisProcess"/>, snapshot in <c>&lt;data&gt;/{name}</c>) or an existing one from <c>ConnectionStrings:{name}</c>.</summary>
public sealed class RedisResource(string name) : Resource(name), IResourceWithConnectionString
{
    private string? _existingConnectionString;
    private RedisProcess? _server;

    public override string Type => "redis";

    public int? Port { get; private set; }

    public bool IsExisting => _existingConnectionString is not null;

    /// <summary>In the contract's format, <c>host:port</c>.</summary>
    public string? ConnectionString => _existingConnectionString ?? (Port is { } port ? $"127.0.0.1:{port}" : null);

    public override int? ProcessId => _server?.Process.Id;

    public override IReadOnlyList<Uri> Endpoints => Port is { } port ? [new Uri($"tcp://127.0.0.1:{port}")] : [];

    internal override void Prepare(HostContext context)
    {
        _existingConnectionString = context.Configuration.GetConnectionString(Name) is { Length: > 0 } given ? given : null;
        if (!IsExisting)
        {
            BinaryLocator.Find("redis-server", "redis-server");
            Port = context.Ports.Allocate();
        }
    }

    internal override async Task StartAsync(HostContext context, CancellationToken cancellationToken)
    {
        if (IsExisting)
        {
            return;
        }
        _server = await RedisProcess.StartAsync(
            Path.Combine(context.DataDirectory, Name), Port!.Value, context.OutputFor(this), context.Options.DurableStorage, cancellationToken);
        context.Track(this, _server.Process);
    }

    internal override Task<ResourceHealthResult> CheckHealthAsync(HostContext context, CancellationToken cancellationToken) =>
        HealthProbes.RedisAsync(ConnectionString!, cancellationToken);

    internal override Task StopAsync(HostContext context) => _server?.StopAsync() ?? Task.CompletedTask;
}
