using ChatPlatform.AppHost.Infrastructure;

namespace ChatPlatform.AppHost;

/// <summary>How each of the platform's projects is declared: its endpoints, health, settings and secrets.</summary>
internal static class ServiceExtensions
{
    /// <summary>
    /// A project with one HTTP endpoint (on <paramref name="port"/> when given and free, else a free port, printed)
    /// whose <c>/health</c> is its health in the dashboard and for every <c>WaitFor</c>.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddService<TProject>(this IDistributedApplicationBuilder builder, string name, int? port = null)
        where TProject : IProjectMetadata, new()
    {
        ServiceSettings.KeepFromChildren();
        // The services have no launch profiles of their own: they run in the host's environment.
        return builder.AddProject<TProject>(name)
            .WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName)
            .WithDirectHttpEndpoint("http", port)
            .WithHttpHealthCheck("/health");
    }

    /// <summary>
    /// An HTTP endpoint the service listens on itself, without Aspire's proxy in front when run locally: the proxy
    /// was one more hop on every request and held every open stream (measured through gateway, chat and router: +24.6
    /// against +4.0 ms p50 added to the first token at 1,000 conversations, 1 ms of its CPU per turn, 102 KB per open
    /// stream, and open streams failing past 4,900). The port is <paramref name="wanted"/> when free (and the tests
    /// do not ask for random ports), else a free one, printed.
    /// </summary>
    private static IResourceBuilder<ProjectResource> WithDirectHttpEndpoint(this IResourceBuilder<ProjectResource> project, string name, int? wanted = null)
    {
        var builder = project.ApplicationBuilder;
        if (!builder.ExecutionContext.IsRunMode)
        {
            return project.WithHttpEndpoint(name: name);
        }
        var port = wanted is { } p && !RandomPortsWanted(builder) && FreePort.IsFree(p) ? p : FreePort.Next();
        if (wanted is { } taken && port != taken && !RandomPortsWanted(builder))
        {
            Console.Error.WriteLine($"{project.Resource.Name}: port {taken} is in use; taking {port} instead.");
        }
        return project.WithHttpEndpoint(port: port, targetPort: port, name: name, isProxied: false);
    }

    // Aspire.Hosting.Testing asks for random ports, so that tests never take the developer's.
    private static bool RandomPortsWanted(IDistributedApplicationBuilder builder) =>
        string.Equals(builder.Configuration["DcpPublisher:RandomizePorts"], "true", StringComparison.OrdinalIgnoreCase);

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
        project.WithDirectHttpEndpoint(name).WithEndpoint(name, e => e.Transport = "http2");
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
    /// The key of internal tokens, which tell a service who a call acts for: the host's <c>Internal:Key</c> when
    /// given, else generated once into the data folder when run locally (distinct from the signing key); a secret
    /// parameter when published (infra/ has azd generate it and keeps it in Key Vault).
    /// </summary>
    public static ParameterResource AddInternalKey(this IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return builder.AddParameter("internal-key", secret: true).Resource;
        }
        var configured = builder.Configuration["Internal:Key"];
        return new ParameterResource("internal-key", _ => string.IsNullOrWhiteSpace(configured)
            ? DataDirectory.Secret(DataDirectory.Get(builder), "internal-key", bytes: 32)
            : configured, secret: true);
    }

    /// <summary>Gives <paramref name="project"/> the internal key (<c>Internal__Key</c>).</summary>
    public static IResourceBuilder<ProjectResource> WithInternalKey(this IResourceBuilder<ProjectResource> project, ParameterResource key) =>
        project.WithEnvironment("Internal__Key", key);

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

    /// <summary>
    /// The secret with which the web app vouches, to the gateway only, for the address of the user it signs in (sign-in
    /// throttling): the host's <c>Auth:WebClientKey</c> when given, else generated once into the data folder when run
    /// locally, and a secret parameter when published. Both get the same value; no other service sees it.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithWebClientKey(this IResourceBuilder<ProjectResource> web, IResourceBuilder<ProjectResource> gateway)
    {
        var builder = web.ApplicationBuilder;
        var configured = builder.Configuration["Auth:WebClientKey"];
        var key = builder.ExecutionContext.IsPublishMode
            ? builder.AddParameter("auth-web-client-key", secret: true).Resource
            : new ParameterResource("auth-web-client-key", _ => string.IsNullOrWhiteSpace(configured)
                ? DataDirectory.Secret(DataDirectory.Get(builder), "web-client-key", bytes: 32)
                : configured, secret: true);
        gateway.WithEnvironment("Auth__WebClientKey", key);
        return web.WithEnvironment("Auth__WebClientKey", key);
    }
}
