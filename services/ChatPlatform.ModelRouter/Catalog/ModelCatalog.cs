using ChatPlatform.Redis;
using StackExchange.Redis;

namespace ChatPlatform.ModelRouter.Catalog;

/// <summary>
/// The catalog as this instance sees it: loaded from the database, swapped whole on every reload so readers never
/// lock. A change made here is reloaded at once and announced on <see cref="ChangesChannel"/> so every other router
/// instance reloads too (<see cref="CatalogSync"/> listens, and reloads periodically in case a message was lost).
/// </summary>
public sealed partial class ModelCatalog(CatalogStore store, RedisBreaker redis, ILogger<ModelCatalog> logger) : IModelCatalog
{
    public static readonly RedisChannel ChangesChannel = RedisChannel.Literal("router:catalog");

    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private volatile CatalogSnapshot _current = CatalogSnapshot.Empty;

    /// <summary>This instance's name on <see cref="ChangesChannel"/>, so it can skip its own announcements.</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    public CatalogSnapshot Current => _current;

    public bool IsLoaded => _loaded.Task.IsCompleted;

    /// <summary>Completes once the catalog has been read from the database for the first time.</summary>
    public Task WhenLoadedAsync(CancellationToken cancellationToken = default) => _loaded.Task.WaitAsync(cancellationToken);

    /// <summary>Reads the whole catalog and replaces the snapshot. Reloads run one at a time, so the last one wins with the newest data.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        await _reloading.WaitAsync(cancellationToken);
        try
        {
            var models = await store.ListModelsAsync(cancellationToken);
            var deployments = await store.ListDeploymentsAsync(cancellationToken);
            _current = new CatalogSnapshot(
                [.. models.Select(m => m.Definition)],
                [.. deployments.Select(d => d.Definition)],
                models.ToDictionary(m => m.Definition.Id, m => m.CreatedAt, StringComparer.Ordinal));
            _loaded.TrySetResult();
            LogReloaded(logger, models.Count, deployments.Count);
        }
        finally
        {
            _reloading.Release();
        }
    }

    /// <summary>After a write: reload here, then tell the other instances. Redis being down delays them until their periodic reload.</summary>
    public async Task ChangedAsync(CancellationToken cancellationToken = default)
    {
        await ReloadAsync(cancellationToken);
        try
        {
            await redis.RunAsync(r => r.GetSubscriber().PublishAsync(ChangesChannel, InstanceId));
        }
        catch (RedisUnavailableException e)
        {
            LogPublishFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Catalog loaded: {Models} models, {Deployments} deployments")]
    private static partial void LogReloaded(ILogger logger, int models, int deployments);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not announce a catalog change on Redis; other instances pick it up on their next periodic reload")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);
}
