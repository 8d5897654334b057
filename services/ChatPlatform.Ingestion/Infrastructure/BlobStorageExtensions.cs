using Azure.Storage.Blobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatPlatform.Ingestion.Infrastructure;

/// <summary>
/// Azure Blob Storage (Azurite locally) from <c>ConnectionStrings:{name}</c>, in the shape of Aspire's blob client
/// integration, which is not served here: one <see cref="BlobServiceClient"/> and a ready health check.
/// </summary>
internal static class BlobStorageExtensions
{
    public static void AddBlobServiceClient(this IHostApplicationBuilder builder, string connectionName)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{connectionName} is not configured; set ConnectionStrings__{connectionName} to an Azure Storage connection string.");
        }
        builder.Services.AddSingleton(new BlobServiceClient(connectionString));
        builder.Services.AddHealthChecks().AddCheck<BlobStorageHealthCheck>(connectionName, tags: ["ready"]);
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
