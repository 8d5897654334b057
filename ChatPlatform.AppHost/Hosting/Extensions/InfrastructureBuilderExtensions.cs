using ChatPlatform.AppHost.Hosting.Resources;

namespace ChatPlatform.AppHost.Hosting;

/// <summary>The stores: PostgreSQL and its databases, Redis, the blob folder.</summary>
public static class InfrastructureBuilderExtensions
{
    public static IResourceBuilder<PostgresServerResource> AddPostgres(this DistributedApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddResource(new PostgresServerResource(name));
    }

    /// <summary>A database on the server, named <paramref name="databaseName"/> (default: the resource's name), created if missing.</summary>
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(
        this IResourceBuilder<PostgresServerResource> server, string name, string? databaseName = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var database = new PostgresDatabaseResource(name, server.Resource, databaseName ?? name);
        server.Resource.AddDatabase(database);
        return server.ApplicationBuilder.AddResource(database);
    }

    public static IResourceBuilder<RedisResource> AddRedis(this DistributedApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddResource(new RedisResource(name));
    }

    /// <summary>A folder for the blob store; its connection string is its absolute path.</summary>
    public static IResourceBuilder<BlobFolderResource> AddBlobFolder(this DistributedApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddResource(new BlobFolderResource(name));
    }
}
