using ChatPlatform.Postgres;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatPlatform.Ingestion.Retrieval;

internal static class RetrievalExtensions
{
    /// <summary>
    /// Embeddings (section <c>Embeddings</c>), pgvector's types on the shared data source, the chunk store, hybrid
    /// retrieval and the context that <c>POST /v1/files/context</c> builds for chat.
    /// </summary>
    public static IHostApplicationBuilder AddRetrieval(this IHostApplicationBuilder builder)
    {
        builder.ConfigureChatDataSource(data => data.UseVector());
        builder.Services.AddOptions<EmbeddingOptions>().BindConfiguration(EmbeddingOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<EmbeddingOptions>, EmbeddingOptionsValidator>();
        builder.Services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>, MiniLmEmbeddingGenerator>();
        builder.Services.AddSingleton<ChunkStore>();
        builder.Services.AddSingleton<HybridRetriever>();
        builder.Services.AddSingleton<ContextFileReader>();
        builder.Services.AddSingleton<ContextImages>();
        builder.Services.AddSingleton<FileContextBuilder>();
        return builder;
    }
}
