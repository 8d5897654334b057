using ChatPlatform.AppHost.Hosting.Resources;

namespace ChatPlatform.AppHost.Hosting;

/// <summary>Projects and other processes, and their endpoints.</summary>
public static class ProcessBuilderExtensions
{
    /// <summary>A project from the generated <c>Projects.*</c> metadata, e.g. <c>AddProject&lt;Projects.ChatPlatform_Gateway&gt;("gateway")</c>.</summary>
    public static IResourceBuilder<ProjectResource> AddProject<TProject>(this DistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new()
        => builder.AddProject(name, new TProject());

    public static IResourceBuilder<ProjectResource> AddProject(this DistributedApplicationBuilder builder, string name, IProjectMetadata project)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddResource(new ProjectResource(name, project));
    }

    /// <summary>Any program; a relative <paramref name="command"/> is looked up on PATH.</summary>
    public static IResourceBuilder<ExecutableResource> AddExecutable(
        this DistributedApplicationBuilder builder, string name, string command, string workingDirectory, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddResource(new ExecutableResource(name, command, Path.GetFullPath(workingDirectory), arguments));
    }

    /// <summary>The port the "http" endpoint prefers when it is external and the port is free (a developer's bookmarks keep working).</summary>
    public static IResourceBuilder<T> WithHttpEndpoint<T>(this IResourceBuilder<T> builder, int port, string name = "http")
        where T : ExecutableResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.GetOrAddEndpoint(name).PreferredPort = port;
        return builder;
    }

    /// <summary>
    /// A cleartext HTTP/2-only endpoint named <c>h2c</c>, for the platform's own callers, which find it as
    /// <c>services__{resource}__h2c__0</c>. Never external (browsers do not speak HTTP/2 without TLS) and never probed:
    /// health stays on the HTTP/1.1 endpoint.
    /// </summary>
    public static IResourceBuilder<T> WithHttp2Endpoint<T>(this IResourceBuilder<T> builder)
        where T : ExecutableResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.GetOrAddEndpoint(HttpEndpoint.Http2EndpointName).IsHttp2Only = true;
        return builder;
    }

    /// <summary>Marks every HTTP endpoint as public: printed when the platform is up, and on a stable port when free.</summary>
    public static IResourceBuilder<T> WithExternalHttpEndpoints<T>(this IResourceBuilder<T> builder)
        where T : ExecutableResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var endpoint in builder.Resource.HttpEndpoints.Where(e => !e.IsHttp2Only))
        {
            endpoint.IsExternal = true;
        }
        return builder;
    }

    /// <summary>Healthy while <paramref name="path"/> on the first HTTP endpoint answers 200.</summary>
    public static IResourceBuilder<T> WithHttpHealthCheck<T>(this IResourceBuilder<T> builder, string path = "/health")
        where T : ExecutableResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.GetOrAddEndpoint("http");
        builder.Resource.HealthCheckPath = path;
        return builder;
    }

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, string value)
        where T : ExecutableResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.SetEnvironmentVariable(name, value);
        return builder;
    }
}
