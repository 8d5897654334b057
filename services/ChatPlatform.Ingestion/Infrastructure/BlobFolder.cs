using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatPlatform.Ingestion.Infrastructure;

/// <summary>The blob store's location: a local folder here, an Azure Files mount in Azure.</summary>
public sealed record BlobFolder(string Path);

internal static class BlobFolderExtensions
{
    public static void AddBlobFolder(this IHostApplicationBuilder builder, string connectionName)
    {
        var path = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException(
                $"ConnectionStrings:{connectionName} is not configured; set ConnectionStrings__{connectionName} to the blob folder.");
        builder.Services.AddSingleton(new BlobFolder(System.IO.Path.GetFullPath(path)));
        builder.Services.AddHealthChecks().AddCheck<BlobFolderHealthCheck>(connectionName, tags: ["ready"]);
    }
}

/// <summary>Ready when the folder exists and a file can be written to it and removed.</summary>
internal sealed class BlobFolderHealthCheck(BlobFolder folder) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            Directory.CreateDirectory(folder.Path);
            var probe = Path.Combine(folder.Path, $".health-{Guid.NewGuid():N}");
            await File.WriteAllBytesAsync(probe, [], cancellationToken);
            File.Delete(probe);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy("The blob folder is not writable.");
        }
    }
}
