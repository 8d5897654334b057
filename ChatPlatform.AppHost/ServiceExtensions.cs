using ChatPlatform.AppHost.Infrastructure;

namespace ChatPlatform.AppHost;

/// <summary>How each of the platform's projects is declared: its endpoints, health, settings and secrets.</summary>
internal static class ServiceExtensions
{
    /// <summary>
    /// A project with one HTTP endpoint (on <paramref name="port"/> when given and free, else a port of Aspire's
    /// choosing, printed) whose <c>/health</c> is its health in the dashboard and for every <c>WaitFor</c>.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddService<TProject>(this IDistributedApplicationBuilder builder, string name, int? port = null)
        where TProject : IProjectMetadata, new()
    {
        ServiceSettings.KeepFromChildren();
        if (port is { } wanted && builder.ExecutionContext.IsRunMode && !FreePort.IsFree(wanted))
        {
            Console.Error.WriteLine($"{name}: port {wanted} is in use; {name} takes another port, shown in the dashboard.");
            port = null;
        }
        // The services have no launch profiles of their own: they run in the host's environment.
        return builder.AddProject<TProject>(name)
            .WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName)
            .WithHttpEndpoint(port: port, name: "http")
            .WithHttpHealthCheck("/health");
    }

    /// <summary>The settings of <paramref name="settings"/> found in the host's configuration, as environment variables.</summary>
    public static IResourceBuilder<ProjectResource> WithSettings(this IResourceBuilder<ProjectResource> project, ServiceSettings settings)
    {
        var configuration = project.ApplicationBuilder.Configuration;
        return project.WithEnvironment(context =>
        {
            foreach (var (name, value) in settings.From(configuration))
            {
                context.EnvironmentVariables[name] = value;
            }
        });
    }

    /// <summary>
    /// A second endpoint that speaks HTTP/2 without TLS (prior knowledge). Kestrel then takes its endpoints from
    /// configuration, since only there can an endpoint's protocols be set.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithCleartextHttp2Endpoint(this IResourceBuilder<ProjectResource> project, string name)
    {
        // Azure Container Apps' ingress fronts one port: published, the service keeps its one HTTP endpoint.
        if (project.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            return project;
        }
        project.WithHttpEndpoint(name: name).WithEndpoint(name, e => e.Transport = "http2");
        return project.WithEnvironment(context =>
        {
            context.EnvironmentVariables["ASPNETCORE_URLS"] = "";
            foreach (var endpoint in project.Resource.GetEndpoints())
            {
                context.EnvironmentVariables[$"Kestrel__Endpoints__{endpoint.EndpointName}__Url"] =
                    ReferenceExpression.Create($"http://{endpoint.EndpointAnnotation.TargetHost}:{endpoint.Property(EndpointProperty.TargetPort)}");
            }
            context.EnvironmentVariables[$"Kestrel__Endpoints__{name}__Protocols"] = "Http2";
        });
    }

    /// <summary>
    /// The key that signs access tokens, unless the host's configuration gives <c>Auth:SigningKey</c>: generated once
    /// into the data folder when run locally, so that a restart does not sign everyone out; a secret parameter when
    /// published.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithSigningKey(this IResourceBuilder<ProjectResource> gateway)
    {
        var builder = gateway.ApplicationBuilder;
        if (!string.IsNullOrWhiteSpace(builder.Configuration["Auth:SigningKey"]))
        {
            return gateway;
        }
        var key = builder.ExecutionContext.IsPublishMode
            ? builder.AddParameter("auth-signing-key", secret: true).Resource
            : new ParameterResource("auth-signing-key", _ => DataDirectory.Secret(DataDirectory.Get(builder), "gateway-signing-key", bytes: 32), secret: true);
        return gateway.WithEnvironment("Auth__SigningKey", key);
    }
}
