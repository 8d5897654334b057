using Microsoft.Extensions.Configuration;

namespace ChatPlatform.AppHost.Infrastructure;

/// <summary>
/// The stores, each either the server named by its connection string in the host's configuration (nothing is started),
/// a container where a container engine answers, or a local program (Debian's <c>postgres</c> and
/// <c>redis-server</c>, npm's Azurite) with its data in the data folder. Services get the same
/// <c>ConnectionStrings__*</c> either way.
/// </summary>
internal static class InfrastructureExtensions
{
    public static IResourceBuilder<IResourceWithConnectionString> AddPostgresDatabase(
        this IDistributedApplicationBuilder builder, string serverName, string databaseName)
    {
        if (Given(builder, databaseName) is { } given)
        {
            return given;
        }
        return ContainerRuntime.UseContainers(builder)
            ? builder.AddPostgres(serverName).WithDataVolume().AddDatabase(databaseName)
            : builder.AddLocalPostgres(serverName, databaseName, DataDirectory.Get(builder));
    }

    public static IResourceBuilder<IResourceWithConnectionString> AddRedisServer(this IDistributedApplicationBuilder builder, string name) =>
        Given(builder, name) ?? (ContainerRuntime.UseContainers(builder)
            ? builder.AddRedis(name).WithDataVolume()
            : builder.AddLocalRedis(name, DataDirectory.Get(builder)));

    public static IResourceBuilder<IResourceWithConnectionString> AddBlobStorage(this IDistributedApplicationBuilder builder, string name) =>
        Given(builder, name) ?? (ContainerRuntime.UseContainers(builder)
            ? builder.AddAzuriteContainer(name, DataDirectory.Get(builder))
            : builder.AddLocalAzurite(name, DataDirectory.Get(builder)));

    /// <summary>
    /// Kafka for the event log, only when the operator names one (<c>ConnectionStrings:kafka</c>: bootstrap servers or an
    /// Event Hubs connection string); none is started, as no broker installs here. Null leaves the events on PostgreSQL.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString>? AddKafkaIfGiven(this IDistributedApplicationBuilder builder, string name) =>
        string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(name)) ? null : builder.AddConnectionString(name);

    /// <summary>A reference to <paramref name="resource"/> when there is one.</summary>
    public static IResourceBuilder<ProjectResource> WithOptionalReference(
        this IResourceBuilder<ProjectResource> project, IResourceBuilder<IResourceWithConnectionString>? resource) =>
        resource is null ? project : project.WithReference(resource);

    private static IResourceBuilder<IResourceWithConnectionString>? Given(IDistributedApplicationBuilder builder, string name) =>
        !builder.ExecutionContext.IsPublishMode && !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(name))
            ? builder.AddConnectionString(name)
            : null;
}
