using ChatPlatform.AppHost.Hosting.Orchestration;
using ChatPlatform.AppHost.Hosting.Resources;
using ChatPlatform.AppHost.Hosting.Testing;
using Microsoft.Extensions.Configuration;

namespace ChatPlatform.AppHost.Hosting;

/// <summary>
/// Declares the platform's resources, after Aspire's builder. Configuration comes from environment variables and
/// the command line: <c>ConnectionStrings:{name}</c> (use an existing server), <c>AppHost:DataDirectory</c>,
/// <c>AppHost:Ports:{name}</c>, <c>AppHost:DashboardPort</c>, <c>AppHost:Environment</c>, <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.
/// </summary>
public sealed class DistributedApplicationBuilder
{
    private readonly List<Resource> _resources = [];

    internal DistributedApplicationBuilder(string[] args, DistributedApplicationOptions options)
    {
        Options = options;
        Configuration.AddEnvironmentVariables();
        Configuration.AddCommandLine(args);
    }

    public ConfigurationManager Configuration { get; } = new();

    public DistributedApplicationOptions Options { get; }

    public IReadOnlyList<Resource> Resources => _resources;

    /// <summary>Where servers keep their data between runs, and where the host records its children.</summary>
    public string DataDirectory => Path.GetFullPath(
        Options.DataDirectory ?? Configuration["AppHost:DataDirectory"] ?? Path.Combine(RepositoryRoot.Find(), ".data"));

    public IResourceBuilder<T> AddResource<T>(T resource)
        where T : Resource
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (_resources.Any(r => r.Name == resource.Name))
        {
            throw new DistributedApplicationException($"A resource named '{resource.Name}' was already added.");
        }
        _resources.Add(resource);
        return new ResourceBuilder<T>(resource, this);
    }

    /// <summary>
    /// Checks the model (no cycles, nothing referenced that was not added) and builds it. Under
    /// <see cref="DistributedApplicationTestingBuilder"/> the application is handed to the test instead, and the
    /// entry point ends here.
    /// </summary>
    public DistributedApplication Build()
    {
        var hook = EntryPointHook.Current;
        hook?.Configure?.Invoke(this);
        DependencyGraph.StartOrder(_resources);
        var application = new DistributedApplication(this);
        hook?.Capture(application);
        return application;
    }
}
