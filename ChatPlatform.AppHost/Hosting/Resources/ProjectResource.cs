using ChatPlatform.AppHost.Hosting.Orchestration;

namespace ChatPlatform.AppHost.Hosting.Resources;

/// <summary>
/// A .NET project run as <c>dotnet &lt;TargetPath&gt;</c> from its own folder, so that its content root, appsettings and
/// (in Development) static web assets are the ones a <c>dotnet run</c> would use. It listens on its HTTP endpoints
/// (Kestrel's <c>Kestrel:Endpoints</c> configuration, one entry per endpoint) and is healthy while <c>/health</c> on the
/// first HTTP/1.1 one answers 200.
/// </summary>
public sealed class ProjectResource : ExecutableResource
{
    public ProjectResource(string name, IProjectMetadata project)
        : base(name, "dotnet", Path.GetDirectoryName(project.ProjectPath)!, [project.TargetPath])
    {
        Project = project;
        GetOrAddEndpoint("http");
        HealthCheckPath = "/health";
    }

    public override string Type => "project";

    public IProjectMetadata Project { get; }

    /// <summary>Differs per run: telemetry tells one run of a service from the next.</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N")[..12];

    protected override string ResolveCommand()
    {
        if (!File.Exists(Project.TargetPath))
        {
            throw new DistributedApplicationException(
                $"'{Name}' is not built ({Project.TargetPath} is missing): run `dotnet build ChatPlatform.AppHost`.");
        }
        return DotNetHost.Find();
    }

    private protected override void AddDefaultEnvironment(IDictionary<string, string?> environment, HostContext context)
    {
        foreach (var endpoint in HttpEndpoints)
        {
            environment[$"Kestrel__Endpoints__{endpoint.Name}__Url"] = endpoint.Url!.ToString().TrimEnd('/');
            if (endpoint.IsHttp2Only)
            {
                environment[$"Kestrel__Endpoints__{endpoint.Name}__Protocols"] = "Http2";
            }
        }
        environment["ASPNETCORE_ENVIRONMENT"] = context.EnvironmentName;
        environment["OTEL_SERVICE_NAME"] = Name;
        environment["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={InstanceId}";
        if (context.OtlpEndpoint is { } otlp)
        {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
        }
        // One line per log entry keeps the prefixed console readable; a formatter the host was given wins.
        if (Environment.GetEnvironmentVariable("Logging__Console__FormatterName") is null)
        {
            environment["Logging__Console__FormatterName"] = "simple";
            environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        }
    }
}
