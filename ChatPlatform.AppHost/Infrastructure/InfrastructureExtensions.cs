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

    private static IResourceBuilder<IResourceWithConnectionString>? Given(IDistributedApplicationBuilder builder, string name) =>
        !builder.ExecutionContext.IsPublishMode && !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(name))
            ? builder.AddConnectionString(name)
            : null;
}
