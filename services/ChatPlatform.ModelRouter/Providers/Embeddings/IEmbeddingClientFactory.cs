using ChatPlatform.ModelRouter.Model;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Providers.Embeddings;

/// <summary>The provider behind an embedding model's deployment as an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>.</summary>
public interface IEmbeddingClientFactory
{
    /// <exception cref="ProviderException">The deployment cannot serve embeddings (Anthropic) or lacks its key or endpoint.</exception>
    IEmbeddingGenerator<string, Embedding<float>> GetGenerator(DeploymentDefinition deployment, int defaultDimensions);
}
