using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.Model;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Providers.Embeddings;

/// <summary>
/// Builds a deployment's embedding generator: OpenAI and OpenAI-compatible servers (vLLM, Ollama) at
/// <c>{endpoint}/embeddings</c>, Azure OpenAI at <c>{resource}/openai/deployments/{deployment}/embeddings</c>, and the
/// simulator. They send through the same provider HTTP client as chat: no hidden retries, routing fails over.
/// </summary>
public sealed class EmbeddingClientFactory(IConfiguration configuration, IHttpClientFactory httpClientFactory) : IEmbeddingClientFactory
{
    /// <summary>Azure OpenAI's generally available data-plane version that takes <c>dimensions</c>.</summary>
    public const string AzureApiVersion = "2024-10-21";

    private static readonly Uri OpenAIDefaultEndpoint = new("https://api.openai.com/v1");

    public IEmbeddingGenerator<string, Embedding<float>> GetGenerator(DeploymentDefinition deployment, int defaultDimensions)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var key = ReadKey(deployment);
        return deployment.Provider switch
        {
            ProviderKind.OpenAI => OpenAI(deployment, OpenAIEmbeddingGenerator.EmbeddingsUri(deployment.Endpoint ?? OpenAIDefaultEndpoint),
                OpenAIEmbeddingGenerator.Bearer(RequireKey(deployment, key))),
            ProviderKind.OpenAICompatible => OpenAI(deployment, OpenAIEmbeddingGenerator.EmbeddingsUri(RequireEndpoint(deployment)),
                key is null ? null : OpenAIEmbeddingGenerator.Bearer(key)),
            ProviderKind.AzureOpenAI => OpenAI(deployment, AzureEmbeddingsUri(RequireEndpoint(deployment), deployment.ProviderModel),
                OpenAIEmbeddingGenerator.ApiKeyHeader(RequireKey(deployment, key))),
            ProviderKind.Simulator => new SimulatorEmbeddingGenerator(deployment.ProviderModel, defaultDimensions, deployment.Simulator ?? new SimulatorSettings()),
            ProviderKind.Anthropic => throw new ProviderException(
                $"Deployment '{deployment.Id}' is Anthropic, which has no embeddings API.", statusCode: null, isTransient: false),
            _ => throw new ProviderException($"Deployment '{deployment.Id}' has an unknown provider '{deployment.Provider}'.", isTransient: false),
        };
    }

    private OpenAIEmbeddingGenerator OpenAI(DeploymentDefinition deployment, Uri uri, (string Name, string Value)? authorization) =>
        new(httpClientFactory.CreateClient(ChatClientFactory.OpenAIHttpClientName), uri, authorization, deployment.ProviderModel, deployment.Provider);

    /// <summary>
    /// <c>https://res.openai.azure.com</c> (or its <c>/openai/v1</c> form, which chat uses) becomes
    /// <c>https://res.openai.azure.com/openai/deployments/{deployment}/embeddings?api-version=…</c>.
    /// </summary>
    internal static Uri AzureEmbeddingsUri(Uri resource, string deployment)
    {
        var root = resource.GetLeftPart(UriPartial.Path).TrimEnd('/');
        if (root.EndsWith("/openai/v1", StringComparison.OrdinalIgnoreCase))
        {
            root = root[..^"/openai/v1".Length];
        }
        return new Uri($"{root}/openai/deployments/{Uri.EscapeDataString(deployment)}/embeddings?api-version={AzureApiVersion}");
    }

    // As ChatClientFactory: only allowed setting names are read, so a stored row cannot send, say, a connection string.
    private string? ReadKey(DeploymentDefinition deployment) =>
        string.IsNullOrEmpty(deployment.ApiKeySetting) || !CatalogRules.IsAllowedApiKeySetting(deployment.ApiKeySetting) ? null
            : configuration[deployment.ApiKeySetting] is { Length: > 0 } value ? value : null;

    private static string RequireKey(DeploymentDefinition deployment, string? key) =>
        key ?? throw new ProviderException(
            $"Deployment '{deployment.Id}' ({deployment.Provider}) needs an API key in the configuration entry '{deployment.ApiKeySetting}', which is not set.",
            statusCode: null, isTransient: false);

    private static Uri RequireEndpoint(DeploymentDefinition deployment) =>
        deployment.Endpoint ?? throw new ProviderException(
            $"Deployment '{deployment.Id}' ({deployment.Provider}) needs an endpoint.", statusCode: null, isTransient: false);
}
