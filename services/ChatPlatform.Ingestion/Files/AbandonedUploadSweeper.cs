using ChatPlatform.Ingestion.Infrastructure;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Files;

/// <summary>
/// Forgets direct uploads never completed once their upload URL has expired (and a grace period for a complete still
/// under way has passed): their announced size would otherwise hold the user's quota for good. Their staged bytes go
/// too. Every instance may sweep; the delete is idempotent.
/// </summary>
public sealed partial class AbandonedUploadSweeper(
    FileStore store, FileBlobs blobs, IOptions<FilesOptions> options, TimeProvider timeProvider, ILogger<AbandonedUploadSweeper> logger)
    : BackgroundService
{
    /// <summary>How long after its URL expired an upload may still be completed.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(5);

    /// <summary>Removes every upload abandoned by now; the ids removed.</summary>
    public async Task<IReadOnlyList<Guid>> SweepOnceAsync(CancellationToken cancellationToken)
    {
        var before = timeProvider.GetUtcNow() - options.Value.UploadUrlLifetime - Grace;
        var removed = await store.RemoveUploadingCreatedBeforeAsync(before, cancellationToken);
        foreach (var fileId in removed)
        {
            await blobs.DeleteStagedAsync(fileId);
        }
        if (removed.Count > 0)
        {
            LogSwept(logger, removed.Count);
        }
        return removed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.AbandonedUploadSweepInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SweepOnceAsync(stoppingToken);
                }
                catch (Exception e) when (e is Npgsql.NpgsqlException or Azure.RequestFailedException)
                {
                    // The next tick tries again; nothing is lost by waiting.
                    LogSweepFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Forgot {Count} direct uploads never completed")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping abandoned direct uploads failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
