using ChatPlatform.AppHost.Hosting.Local;
using ChatPlatform.AppHost.Hosting.Resources;
using Microsoft.Extensions.Configuration;

namespace ChatPlatform.AppHost.Hosting.Orchestration;

/// <summary>What resources need from the host while they prepare, start, report health and stop.</summary>
internal sealed class HostContext(
    DistributedApplicationOptions options, string dataDirectory, IConfiguration configuration, ConsoleLog console) : IDisposable
{
    public DistributedApplicationOptions Options { get; } = options;

    public string DataDirectory { get; } = dataDirectory;

    public IConfiguration Configuration { get; } = configuration;

    public ConsoleLog Console { get; } = console;

    public PortAllocator Ports { get; } = new(options.UseStablePorts);

    public ProcessRegistry Processes { get; } = new(dataDirectory);

    /// <summary>For health checks: no proxy (a proxy from the environment must never see loopback calls), short timeout.</summary>
    public HttpClient Http { get; } = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>The ASP.NET Core environment of the projects: Development unless the host is told otherwise.</summary>
    public string EnvironmentName =>
        Configuration["AppHost:Environment"] ?? Configuration["DOTNET_ENVIRONMENT"] ?? Configuration["ASPNETCORE_ENVIRONMENT"] ?? "Development";

    /// <summary>Passed on to the projects only when the host itself has one, so that nothing exports by default.</summary>
    public string? OtlpEndpoint => Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } endpoint ? endpoint : null;

    /// <summary>Where a resource's output goes: its ring buffer and, prefixed, the console.</summary>
    public Action<string, bool> OutputFor(Resource resource) => (line, isError) =>
    {
        resource.Log.Add(line, isError);
        Console.WriteResourceLine(resource, line, isError);
    };

    /// <summary>Records the process, and marks the resource Exited/Failed, loudly, if it ends without being asked to.</summary>
    public void Track(Resource resource, ChildProcess process)
    {
        Processes.Record(resource.Name, process);
        _ = process.Exited.ContinueWith(
            exited =>
            {
                Processes.Forget(process.Id);
                var code = exited.Result;
                var state = code == 0 ? ResourceState.Exited : ResourceState.Failed;
                var description = $"exited unexpectedly with code {code}";
                if (resource.TrySetState(ResourceState.Running, state, description, code)
                    || resource.TrySetState(ResourceState.Starting, state, description, code))
                {
                    var lastLines = resource.Log.Read(tail: 10).Select(l => "    " + l.Text);
                    Console.Error($"{resource.Name} (pid {process.Id}) {description}; it is not restarted. Its last lines:"
                        + Environment.NewLine + string.Join(Environment.NewLine, lastLines));
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public void Dispose() => Http.Dispose();
}
