using System.Threading.Channels;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace ChatPlatform.ModelRouter.Catalog;

/// <summary>
/// Start-up and background upkeep of the catalog: checks the configured entries (bad configuration stops start-up
/// with a message naming the entry), seeds them once the schema is migrated, loads the catalog, then reloads when
/// another instance announces a change on Redis and every <see cref="CatalogOptions.ReloadIntervalSeconds"/> anyway.
/// </summary>
internal sealed partial class CatalogSync(
    ModelCatalog catalog,
    CatalogStore store,
    MigrationStatus migrations,
    IConnectionMultiplexer redis,
    IConfiguration configuration,
    IOptions<CatalogOptions> options,
    ILogger<CatalogSync> logger,
    TimeProvider? timeProvider = null) : BackgroundService
{
    private readonly Channel<bool> _reloadRequests = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private SeedEntries? _seed;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _seed = SeedEntries.From(configuration, options.Value);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seed = _seed ?? throw new InvalidOperationException("StartAsync has not run.");
        // Subscribed before the first load, so a change made meanwhile is not missed.
        var subscribed = await TrySubscribeAsync();
        await migrations.WhenAppliedAsync(CatalogStore.Schema, stoppingToken);
        await RetryAsync(async ct =>
        {
            var result = await store.SeedAsync(seed.Models, seed.Deployments, ct);
            LogSeeded(logger, seed.Models.Count, seed.Deployments.Count, result.Changed);
            // Instances already running learn of the new start-up entries.
            await (result.Changed > 0 ? catalog.ChangedAsync(ct) : catalog.ReloadAsync(ct));
        }, stoppingToken);

        var interval = TimeSpan.FromSeconds(Math.Max(1, options.Value.ReloadIntervalSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
            {
                wait.CancelAfter(interval);
                try
                {
                    await _reloadRequests.Reader.ReadAsync(wait.Token);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // The periodic reload.
                }
            }
            subscribed = subscribed || await TrySubscribeAsync();
            try
            {
                await catalog.ReloadAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogReloadFailed(logger, e);
            }
        }
    }

    private async Task<bool> TrySubscribeAsync()
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(ModelCatalog.ChangesChannel, (_, message) =>
            {
                if (message != catalog.InstanceId)
                {
                    _reloadRequests.Writer.TryWrite(true);
                }
            });
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogSubscribeFailed(logger, e);
            return false;
        }
    }

    // The database may not be reachable yet; the "catalog" health check stays unhealthy meanwhile.
    private async Task RetryAsync(Func<CancellationToken, Task> action, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await action(stoppingToken);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                LogLoadFailed(logger, e, delay);
                await Task.Delay(delay, _time, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Catalog seeded from defaults and configuration: {Models} models, {Deployments} deployments, {Changed} rows changed")]
    private static partial void LogSeeded(ILogger logger, int models, int deployments, int changed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Catalog could not be loaded; retrying in {Delay}")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Catalog reload failed; keeping the previous catalog")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to catalog changes on Redis; relying on periodic reloads until it can")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);
}

/// <summary>The entries start-up writes: built-in defaults, overridden by configuration for the ids it names.</summary>
internal sealed record SeedEntries(
    IReadOnlyList<(ModelDefinition Model, CatalogEntrySource Source)> Models,
    IReadOnlyList<(DeploymentDefinition Deployment, CatalogEntrySource Source)> Deployments)
{
    public static SeedEntries From(IConfiguration configuration, CatalogOptions options)
    {
        var problems = new List<string>();
        var configuredModels = new List<ModelDefinition>();
        foreach (var (entry, index) in options.Models.Select((m, i) => (m, i)))
        {
            configuredModels.Add(Checked(entry.ToDefinition(), CatalogRules.Validate, $"Catalog:Models:{index}", problems));
        }
        var configuredDeployments = new List<DeploymentDefinition>();
        foreach (var (entry, index) in options.Deployments.Select((d, i) => (d, i)))
        {
            DeploymentDefinition definition;
            try
            {
                definition = entry.ToDefinition();
            }
            catch (InvalidOperationException e)
            {
                problems.Add(e.Message);
                continue;
            }
            configuredDeployments.Add(Checked(definition, CatalogRules.Validate, $"Catalog:Deployments:{index}", problems));
        }

        var includeSimulated = options.SimulatedModels switch
        {
            SimulatedModelsMode.Always => true,
            SimulatedModelsMode.Never => false,
            _ => !DefaultCatalog.HasProvider(configuration) && configuredDeployments.All(d => d.Provider == ProviderKind.Simulator),
        };
        var defaults = DefaultCatalog.Build(configuration, includeSimulated);

        var models = defaults.Models.Where(m => configuredModels.All(c => c.Id != m.Id)).Select(m => (m, CatalogEntrySource.Default))
            .Concat(configuredModels.DistinctBy(m => m.Id).Select(m => (m, CatalogEntrySource.Configuration)))
            .ToList();
        var deployments = defaults.Deployments.Where(d => configuredDeployments.All(c => c.Id != d.Id)).Select(d => (d, CatalogEntrySource.Default))
            .Concat(configuredDeployments.DistinctBy(d => d.Id).Select(d => (d, CatalogEntrySource.Configuration)))
            .ToList();
        foreach (var (deployment, _) in deployments.Where(d => models.All(m => m.Item1.Id != d.Item1.ModelId)))
        {
            problems.Add($"Deployment '{deployment.Id}' names model '{deployment.ModelId}', which is not configured (Catalog:Models).");
        }
        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"The model catalog configuration is invalid: {string.Join(" ", problems)}");
        }
        return new SeedEntries(models, deployments);
    }

    private static T Checked<T>(T entry, Action<T, ValidationErrors> validate, string path, List<string> problems)
    {
        var errors = new ValidationErrors();
        validate(entry, errors);
        if (!errors.IsEmpty)
        {
            problems.Add($"{path}: {errors}.");
        }
        return entry;
    }
}
