using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Services;
using ChatPlatform.EventLog;
using ChatPlatform.Identity;
using ChatPlatform.Postgres;
using ChatPlatform.Quotas;
using ChatPlatform.Redis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Npgsql;
using Polly;

namespace ChatPlatform.Chat.Extensions;

internal static class Extensions
{
    /// <summary>Only the wait for the router's response headers is bounded; the streamed answer may take as long as it takes.</summary>
    private static readonly TimeSpan RouterTimeToHeaders = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan IngestionTotalTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan IngestionAttemptTimeout = TimeSpan.FromSeconds(4);

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // Callers prove who they act for with an internal token; chat's own calls to the router carry one it mints.
        builder.AddInternalAuthentication();
        builder.AddChatDatabase("chat", typeof(Program).Assembly);
        builder.AddEventLog();
        builder.AddRedis("redis");

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ConversationStore>();
        builder.Services.AddSingleton<FolderStore>();
        builder.Services.AddSingleton<FeedbackStore>();
        builder.Services.AddSingleton<BulkStore>();
        builder.Services.AddSingleton<ShareStore>();
        builder.Services.AddSingleton<ConversationExportStore>();
        builder.Services.AddSingleton<ImportStore>();

        builder.Services.AddOptions<TurnOptions>().BindConfiguration(TurnOptions.SectionName).ValidateOnStart();
        builder.Services.AddHttpClient(ModelRouterClient.HttpClientName, client => client.BaseAddress = new Uri("http://model-router"))
            .AddStreamingResilienceHandler(RouterTimeToHeaders)
            .AddInternalToken();
        builder.Services.AddSingleton<ModelRouterClient>();
        // A read of the turn's files, asked before the turn writes: retried when transient, never waited on for long.
        builder.Services.AddHttpClient(IngestionClient.HttpClientName, client => client.BaseAddress = new Uri("http://ingestion"))
            .AddIngestionResilienceHandler()
            .AddInternalToken();
        builder.Services.AddSingleton<IngestionClient>();
        builder.Services.AddSingleton<AttachmentStore>();
        builder.Services.AddSingleton<TurnAttachments>();
        builder.Services.AddSingleton<ChatInstance>();
        builder.Services.AddSingleton<InstanceStore>();
        builder.Services.AddSingleton<ChatStatsStore>();
        builder.Services.AddSingleton<TurnStore>();
        builder.Services.AddSingleton<TurnEventStream>();
        builder.Services.AddSingleton<StopSignals>();
        builder.Services.AddSingleton<TurnTelemetry>();
        builder.Services.AddSingleton<TurnRegistry>();
        // Before the registry: hosted services stop in reverse order, so the heartbeat outlives the turns it vouches for.
        builder.Services.AddSingleton<InstanceHeartbeat>();
        builder.Services.AddHostedService(services => services.GetRequiredService<InstanceHeartbeat>());
        builder.Services.AddHostedService(services => services.GetRequiredService<TurnRegistry>());
        builder.Services.AddQuotas();
        builder.Services.AddSingleton<NextPrompts>();
        builder.Services.AddSingleton<TurnQuotas>();
        builder.Services.AddSingleton<TurnRunner>();
        builder.Services.AddSingleton<TurnResumer>();
        builder.Services.AddSingleton<StaleTurnSweeper>();
        builder.Services.AddHostedService(services => services.GetRequiredService<StaleTurnSweeper>());

        builder.Services.AddSingleton<TitleStore>();
        // Titles are not in a hurry: a tenth of a second lets one pass name every conversation that many turns finished.
        builder.AddEventConsumer<TitleGenerator>(TitleGenerator.ConsumerName, options => options.WakeDelay = TimeSpan.FromMilliseconds(100));
        // Its own consumer, so a title the router is slow to write never holds back an account's deletion.
        builder.AddEventConsumer<AccountDeletions>(AccountDeletions.ConsumerName);

        builder.Services.AddSingleton<SearchStore>();
        builder.Services.AddSingleton<SearchIndexStore>();
        // Matches by meaning: vectors from ingestion's embedding model (one model for files and search), in pgvector.
        builder.ConfigureChatDataSource(data => data.UseVector());
        builder.Services.AddOptions<SearchOptions>().BindConfiguration(SearchOptions.SectionName)
            .Validate(o => o.BatchSize is >= 1 and <= 64, "Search:BatchSize must be between 1 and 64 (ingestion embeds at most 64 texts a call).")
            .Validate(o => o.MaxDistance is > 0 and <= 2, "Search:MaxDistance is a cosine distance, above 0 and at most 2.")
            .Validate(o => o.QueryEmbeddingTimeout > TimeSpan.Zero && o.RetryDelay > TimeSpan.Zero, "Search's timeouts must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<SearchQueryEmbedder>();
        builder.Services.AddSingleton<SearchEmbeddingStore>();
        builder.Services.AddSingleton<SearchEmbedder>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SearchEmbedder>());
        // Its own consumer, read at once when woken (no wake delay): a new message is searchable well within 2 s.
        builder.AddEventConsumer<SearchIndexer>(SearchIndexer.ConsumerName);
    }

    /// <summary>
    /// The context call is a read, so unlike the defaults it is retried as a POST: twice, quickly, within a few seconds in all.
    /// A turn waits on it before its first event, so ingestion being away answers 503 in seconds, not the defaults' 30.
    /// </summary>
    private static IHttpClientBuilder AddIngestionResilienceHandler(this IHttpClientBuilder builder)
    {
#pragma warning disable EXTEXP0001 // Experimental, but the documented way to replace the defaults' handler for one client.
        builder.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.AddResilienceHandler("ingestion-context", pipeline => pipeline
            .AddTimeout(IngestionTotalTimeout)
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 2,
                Delay = TimeSpan.FromMilliseconds(100),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .AddTimeout(IngestionAttemptTimeout));
        return builder;
    }
}
