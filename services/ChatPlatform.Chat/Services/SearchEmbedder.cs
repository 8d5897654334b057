using ChatPlatform.Chat.Infrastructure;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// Gives search entries their vectors off the request path, in batches: the chat-search consumer writes a row without
/// one and wakes this loop, which embeds every row still waiting (through ingestion's model) until none is left, then
/// sleeps until woken or <see cref="SearchOptions.RetryDelay"/> passes (rows another instance wrote, or left when it
/// stopped). A model that does not answer leaves the rows waiting; full-text search finds them meanwhile.
/// </summary>
public sealed partial class SearchEmbedder(
    SearchEmbeddingStore store, IngestionClient ingestion, IOptions<SearchOptions> options, ILogger<SearchEmbedder> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Rows are waiting: embed them now rather than at the next look.</summary>
    public void Wake()
    {
        // At most one wake-up pending: a burst of events is one pass over the queue.
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Semantic)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await store.EmbedPendingAsync(settings.BatchSize, ingestion.EmbedAsync, stoppingToken) == settings.BatchSize)
                {
                }
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException
                or System.Text.Json.JsonException or Npgsql.NpgsqlException
                || e is OperationCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogEmbeddingFailed(logger, e);
            }
            try
            {
                await _wake.WaitAsync(settings.RetryDelay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Search entries could not be embedded; they are retried shortly")]
    private static partial void LogEmbeddingFailed(ILogger logger, Exception exception);
}
