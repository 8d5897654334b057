using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatPlatform.Ingestion.Infrastructure;

/// <summary>
/// Azure Blob Storage from <c>ConnectionStrings:{name}</c>, in the shape of Aspire's blob client integration, which
/// is not served here: one <see cref="BlobServiceClient"/> and a ready health check. The setting is either a
/// connection string (Azurite locally) or the account's blob endpoint (<c>https://…</c>), signed in to with Entra ID
/// (in Azure, the managed identity that <c>AZURE_CLIENT_ID</c> names), as Aspire's integration takes them.
/// </summary>
internal static class BlobStorageExtensions
{
    public static void AddBlobServiceClient(this IHostApplicationBuilder builder, string connectionName)
    {
        var setting = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(setting))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{connectionName} is not configured; set ConnectionStrings__{connectionName} to an Azure Storage connection string or blob endpoint.");
        }
        // A few quick retries: the SDK's default (0.8 s doubling, per call) kept a user waiting over a minute for the 503
        // that storage being down deserves, as an upload makes several calls.
        var options = new BlobClientOptions
        {
            Retry = { MaxRetries = 3, Delay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(2), Mode = Azure.Core.RetryMode.Exponential },
        };
        builder.Services.AddSingleton(Uri.TryCreate(setting, UriKind.Absolute, out var endpoint) && endpoint.Scheme == Uri.UriSchemeHttps
            ? new BlobServiceClient(endpoint, new DefaultAzureCredential(), options)
            : new BlobServiceClient(setting, options));
        builder.Services.AddHealthChecks().AddCheck<BlobStorageHealthCheck>(connectionName, tags: ["ready"]);
        builder.Services.AddSingleton<IExceptionProblemMapper, BlobStorageUnavailableProblems>();
    }
}

/// <summary>Ready when the storage account answers.</summary>
internal sealed class BlobStorageHealthCheck(BlobServiceClient blobs) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await blobs.GetPropertiesAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException or AggregateException)
        {
            return HealthCheckResult.Unhealthy("Blob storage does not answer.", e);
        }
    }
}
