using System.Globalization;

namespace ChatPlatform.AppHost.Infrastructure;

/// <summary>
/// Azure Blob Storage, emulated by Azurite (npm's, or its container image) under an account key of our own rather
/// than the well-known development key, so nothing else on the machine can read the blobs.
/// </summary>
internal interface IAzuriteResource : IResourceWithConnectionString
{
    const string Account = "devstoreaccount1";

    ParameterResource AccountKey { get; }

    EndpointReference Endpoint { get; }

    ReferenceExpression IResourceWithConnectionString.ConnectionStringExpression => ReferenceExpression.Create(
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{Endpoint.Property(EndpointProperty.Port)}/{Account};");
}

internal sealed class LocalAzuriteResource(string name, string workingDirectory, ParameterResource accountKey)
    : ExecutableResource(name, "/bin/sh", workingDirectory), IAzuriteResource
{
    public ParameterResource AccountKey { get; } = accountKey;

    public EndpointReference Endpoint => new(this, "blob");
}

internal sealed class AzuriteContainerResource(string name, ParameterResource accountKey) : ContainerResource(name), IAzuriteResource
{
    public ParameterResource AccountKey { get; } = accountKey;

    public EndpointReference Endpoint => new(this, "blob");
}

internal static class Azurite
{
    public static IResourceBuilder<IResourceWithConnectionString> AddLocalAzurite(this IDistributedApplicationBuilder builder, string name, string dataDirectory)
    {
        var program = Path.Combine(builder.AppHostDirectory, "node_modules", ".bin", "azurite-blob");
        if (!File.Exists(program))
        {
            throw new DistributedApplicationException(
                $"Azurite is not installed at {program}: run `bash .ci/setup` (or `npm ci --prefix ChatPlatform.AppHost`).");
        }
        var azurite = new LocalAzuriteResource(name, builder.AppHostDirectory, AccountKey(name, dataDirectory));
        var port = FreePort.Next();
        return builder.AddResource(azurite)
            .WithEndpoint("blob", e => (e.Port, e.TargetPort, e.IsProxied, e.UriScheme) = (port, port, false, "http"))
            // --disableTelemetry also lets it stop on SIGTERM; umask 077 keeps its files to their owner.
            .WithArgs("-c", "umask 077; exec \"$@\"", "azurite", program,
                "--blobHost", "127.0.0.1", "--blobPort", port.ToString(CultureInfo.InvariantCulture),
                "--location", DataDirectory.PrivateFolder(dataDirectory, name), "--disableTelemetry", "--skipApiVersionCheck")
            .WithAccount(builder);
    }

    public static IResourceBuilder<IResourceWithConnectionString> AddAzuriteContainer(this IDistributedApplicationBuilder builder, string name, string dataDirectory)
    {
        var azurite = new AzuriteContainerResource(name, AccountKey(name, dataDirectory));
        return builder.AddResource(azurite)
            .WithImage("azure-storage/azurite", "3.35.0").WithImageRegistry("mcr.microsoft.com")
            .WithEndpoint(targetPort: 10000, name: "blob", scheme: "http")
            .WithArgs("azurite-blob", "--blobHost", "0.0.0.0", "--location", "/data", "--disableTelemetry", "--skipApiVersionCheck")
            .WithVolume($"{name}-data", "/data")
            .WithAccount(builder);
    }

    private static ParameterResource AccountKey(string name, string dataDirectory) =>
        new($"{name}-key", _ => DataDirectory.Secret(dataDirectory, $"{name}.key", bytes: 64), secret: true);

    private static IResourceBuilder<T> WithAccount<T>(this IResourceBuilder<T> azurite, IDistributedApplicationBuilder builder)
        where T : IResourceWithEnvironment, IAzuriteResource =>
        azurite
            .WithEnvironment(context => context.EnvironmentVariables["AZURITE_ACCOUNTS"] =
                ReferenceExpression.Create($"{IAzuriteResource.Account}:{azurite.Resource.AccountKey}"))
            .WithHealthCheck(ConnectionHealthCheck.Register(builder, azurite.Resource, ConnectionHealthCheck.BlobsAsync));
}
