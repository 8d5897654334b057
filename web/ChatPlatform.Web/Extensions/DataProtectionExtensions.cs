using Azure.Identity;
using Azure.Storage.Blobs;
using ChatPlatform.Web.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Web.Extensions;

public static class DataProtectionExtensions
{
    /// <summary>The connection whose blob storage holds the key ring (<c>ConnectionStrings:blobs</c>).</summary>
    public const string ConnectionName = "blobs";

    /// <summary>The container and the blob every web replica keeps its data-protection key ring in.</summary>
    public const string ContainerName = "data-protection";

    public const string BlobName = "web-keys.xml";

    private const string ApplicationName = "ChatPlatform.Web";

    /// <summary>
    /// Session cookies and antiforgery tokens are protected with the key ring: with blob storage
    /// (<c>ConnectionStrings:blobs</c>: a connection string, Azurite locally, or in Azure the account's blob endpoint,
    /// signed in to with the managed identity that <c>AZURE_CLIENT_ID</c> names) every replica shares one ring, so a
    /// cookie one replica issued is read by the others after a scale-out or a restart. Without it (one local instance)
    /// the default per-machine folder is kept. The keys sit in the blob unencrypted, behind the account's access control.
    /// </summary>
    public static void AddSharedDataProtection(this IHostApplicationBuilder builder) => builder.AddSharedDataProtection(ContainerName);

    /// <summary>As <see cref="AddSharedDataProtection(IHostApplicationBuilder)"/>, with the ring in container <paramref name="container"/>.</summary>
    internal static void AddSharedDataProtection(this IHostApplicationBuilder builder, string container)
    {
        // A fixed name: the default derives from the content root, which need not match between replicas.
        builder.Services.AddDataProtection().SetApplicationName(ApplicationName);
        var setting = builder.Configuration.GetConnectionString(ConnectionName);
        if (string.IsNullOrWhiteSpace(setting))
        {
            return;
        }
        // As ingestion takes the same setting: an https endpoint is signed in to with Entra ID, anything else is a
        // connection string. Nothing connects until the ring is first read.
        var service = Uri.TryCreate(setting, UriKind.Absolute, out var endpoint) && endpoint.Scheme == Uri.UriSchemeHttps
            ? new BlobServiceClient(endpoint, new DefaultAzureCredential())
            : new BlobServiceClient(setting);
        var blob = service.GetBlobContainerClient(container).GetBlobClient(BlobName);
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(
            new ConfigureOptions<KeyManagementOptions>(options => options.XmlRepository = new BlobXmlRepository(blob)));
    }
}
