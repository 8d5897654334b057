namespace ChatPlatform.Ingestion.Infrastructure;

/// <summary>
/// Creates the <c>files</c> and <c>uploads</c> containers at start. Storage that does not answer yet, or that the
/// managed identity cannot sign in to yet (a role assignment takes minutes to reach a new deployment), is not fatal:
/// the first upload creates them (<see cref="FileBlobs.EnsureContainersAsync"/>), and the ready check reports storage.
/// </summary>
internal sealed partial class BlobContainersInitializer(FileBlobs blobs, ILogger<BlobContainersInitializer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await blobs.EnsureContainersAsync(stoppingToken);
        }
        catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException or AggregateException
            or Azure.Identity.AuthenticationFailedException)
        {
            LogContainersNotCreated(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The blob containers could not be created at start; the first upload tries again")]
    private static partial void LogContainersNotCreated(ILogger logger, Exception exception);
}
