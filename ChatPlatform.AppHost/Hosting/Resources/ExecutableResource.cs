using System.Globalization;
using ChatPlatform.AppHost.Hosting.Local;
using ChatPlatform.AppHost.Hosting.Orchestration;

namespace ChatPlatform.AppHost.Hosting.Resources;

/// <summary>
/// A process the host starts (in its own session, output kept and echoed) and stops with SIGTERM, then SIGKILL after
/// the grace period. It receives the configuration contract for what it references; it is healthy while it runs,
/// or, with a <see cref="HealthCheckPath"/>, while that path answers 200 on its first HTTP/1.1 endpoint.
/// </summary>
public class ExecutableResource(string name, string command, string workingDirectory, IReadOnlyList<string> arguments) : Resource(name)
{
    // What the host's own environment would hand down but the contract sets per resource.
    private static readonly string[] ScrubbedPrefixes = ["ConnectionStrings__", "services__", "AppHost__", "Kestrel__"];
    private static readonly string[] ScrubbedNames =
    [
        "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_URLS", "DOTNET_LAUNCH_PROFILE",
        "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_EXPORTER_OTLP_ENDPOINT",
    ];

    private readonly List<HttpEndpoint> _endpoints = [];
    private readonly Dictionary<string, string> _environment = [];
    private string? _resolvedCommand;
    private ChildProcess? _process;

    public override string Type => "executable";

    public string Command { get; } = command;

    public string WorkingDirectory { get; } = workingDirectory;

    public IReadOnlyList<string> Arguments { get; } = arguments;

    public IReadOnlyList<HttpEndpoint> HttpEndpoints => _endpoints;

    public IReadOnlyDictionary<string, string> EnvironmentVariables => _environment;

    /// <summary>Null: healthy while running.</summary>
    public string? HealthCheckPath { get; internal set; }

    public override int? ProcessId => _process?.Id;

    public override IReadOnlyList<Uri> Endpoints => [.. _endpoints.Select(e => e.Url).OfType<Uri>()];

    internal HttpEndpoint GetOrAddEndpoint(string endpointName)
    {
        var endpoint = _endpoints.FirstOrDefault(e => e.Name == endpointName);
        if (endpoint is null)
        {
            endpoint = new HttpEndpoint(endpointName);
            _endpoints.Add(endpoint);
        }
        return endpoint;
    }

    /// <summary>Sets a variable for the process; from a test's or benchmark's configure callback, overrides what the AppHost set.</summary>
    public void SetEnvironmentVariable(string key, string value) => _environment[key] = value;

    internal override void Prepare(HostContext context)
    {
        _resolvedCommand = ResolveCommand();
        // AppHost:Ports:{name} moves the first external endpoint, like a launch profile's port would.
        var configuredPort = int.TryParse(context.Configuration[$"AppHost:Ports:{Name}"], CultureInfo.InvariantCulture, out var port) ? port : (int?)null;
        foreach (var endpoint in _endpoints)
        {
            var preferred = endpoint.IsExternal ? configuredPort ?? endpoint.PreferredPort : null;
            endpoint.Port = context.Ports.Allocate(preferred);
            if (preferred is { } wanted && endpoint.Port != wanted)
            {
                context.Console.Info($"{Name}: port {wanted} is in use, using {endpoint.Port}");
            }
            configuredPort = null;
        }
    }

    /// <summary>The program to start; throws one line when it cannot be found.</summary>
    protected virtual string ResolveCommand()
    {
        if (Path.IsPathRooted(Command))
        {
            return File.Exists(Command) ? Command : throw new DistributedApplicationException($"'{Name}': {Command} does not exist.");
        }
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, Command))
            .FirstOrDefault(File.Exists)
            ?? throw new DistributedApplicationException($"'{Name}': '{Command}' was not found on PATH.");
    }

    internal override Task StartAsync(HostContext context, CancellationToken cancellationToken)
    {
        _process = ChildProcess.Start(_resolvedCommand!, Arguments, context.OutputFor(this), WorkingDirectory, BuildEnvironment(context));
        context.Track(this, _process);
        return Task.CompletedTask;
    }

    /// <summary>The variables this process gets on top of the host's own; a null value removes an inherited one.</summary>
    internal Dictionary<string, string?> BuildEnvironment(HostContext context)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>())
        {
            if (ScrubbedPrefixes.Any(p => key.StartsWith(p, StringComparison.OrdinalIgnoreCase))
                || ScrubbedNames.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                environment[key] = null;
            }
        }
        foreach (var reference in References)
        {
            if (reference is IResourceWithConnectionString withConnectionString)
            {
                environment[$"ConnectionStrings__{reference.Name}"] = withConnectionString.ConnectionString
                    ?? throw new InvalidOperationException($"'{reference.Name}' has no connection string yet.");
            }
            if (reference is ExecutableResource executable)
            {
                foreach (var endpoint in executable.HttpEndpoints)
                {
                    // Service discovery's configuration source: http://{name} resolves to this.
                    environment[$"services__{reference.Name}__{endpoint.Name}__0"] = endpoint.Url!.ToString().TrimEnd('/');
                }
            }
        }
        AddDefaultEnvironment(environment, context);
        foreach (var (key, value) in _environment)
        {
            environment[key] = value;
        }
        return environment;
    }

    private protected virtual void AddDefaultEnvironment(IDictionary<string, string?> environment, HostContext context)
    {
    }

    internal override async Task<ResourceHealthResult> CheckHealthAsync(HostContext context, CancellationToken cancellationToken)
    {
        if (HealthCheckPath is null || _endpoints.FirstOrDefault(e => !e.IsHttp2Only)?.Url is not { } baseUrl)
        {
            return ResourceHealthResult.Healthy($"running, pid {ProcessId}");
        }
        return await HealthProbes.HttpAsync(context.Http, new Uri(baseUrl, HealthCheckPath), cancellationToken);
    }

    internal override Task StopAsync(HostContext context) =>
        _process?.StopAsync(context.Options.StopGracePeriod) ?? Task.CompletedTask;

}
