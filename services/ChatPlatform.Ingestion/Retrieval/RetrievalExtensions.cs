using ChatPlatform.Identity;
using ChatPlatform.Postgres;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatPlatform.Ingestion.Retrieval;

internal static class RetrievalExtensions
{
    /// <summary>
    /// Embeddings (section <c>Embeddings</c>: MiniLM in this process, or a model through the model router), pgvector's
    /// types on the shared data source, the chunk store, hybrid retrieval and the context that
    /// <c>POST /v1/files/context</c> builds for chat.
    /// </summary>
    public static IHostApplicationBuilder AddRetrieval(this IHostApplicationBuilder builder)
    {
        builder.ConfigureChatDataSource(data => data.UseVector());
        builder.Services.AddOptions<EmbeddingOptions>().BindConfiguration(EmbeddingOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<EmbeddingOptions>, EmbeddingOptionsValidator>();
        if (builder.Configuration.GetSection(EmbeddingOptions.SectionName).Get<EmbeddingOptions>() is { IsRouter: true })
        {
            AddRouterEmbeddings(builder);
        }
        else
        {
            builder.Services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>, MiniLmEmbeddingGenerator>();
        }
        builder.Services.AddSingleton(services => new ChunkStore(services.GetRequiredService<IOptions<EmbeddingOptions>>().Value.ModelKey));
        builder.Services.AddSingleton(services => new HybridRetriever(
            services.GetRequiredService<NpgsqlDataSource>(), services.GetRequiredService<IOptions<EmbeddingOptions>>().Value.ModelKey));
        builder.Services.AddSingleton<ContextFileReader>();
        builder.Services.AddSingleton<ContextImages>();
        builder.Services.AddSingleton<FileContextBuilder>();
        return builder;
    }

    // The standard pipeline, but POST retried: an embedding changes nothing, so a repeat after a 429 or 5xx is safe. An
    // attempt may take a router failover's time; the breaker's sampling must be at least twice the attempt timeout.
    private static void AddRouterEmbeddings(IHostApplicationBuilder builder)
    {
        builder.AddInternalTokens();
        var client = builder.Services.AddHttpClient(RouterEmbeddingGenerator.HttpClientName, http => http.BaseAddress = new Uri("http://model-router"));
#pragma warning disable EXTEXP0001 // Experimental, but the documented way to replace the defaults' handler for one client.
        client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        client.AddStandardResilienceHandler(options =>
        {
            options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(60);
            options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(120);
            options.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(3);
        });
        client.AddInternalToken();
        builder.Services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>, RouterEmbeddingGenerator>();
    }
}
