using System.Text;
using ChatPlatform.ModelRouter.Model;

namespace ChatPlatform.ModelRouter.Catalog;

/// <summary>
/// The built-in catalog: provider models added by the provider settings that are present (<c>OPENAI_API_KEY</c>,
/// <c>ANTHROPIC_API_KEY</c>, <c>AZURE_OPENAI_*</c>, <c>OPENAI_COMPATIBLE_*</c>) and the simulated models that let the
/// platform run offline. Prices are the providers' list prices in US dollars per million tokens.
/// </summary>
public static class DefaultCatalog
{
    public const string OpenAIKeySetting = "OPENAI_API_KEY";
    public const string AnthropicKeySetting = "ANTHROPIC_API_KEY";
    public const string AzureEndpointSetting = "AZURE_OPENAI_ENDPOINT";
    public const string AzureKeySetting = "AZURE_OPENAI_API_KEY";
    public const string AzureDeploymentSetting = "AZURE_OPENAI_DEPLOYMENT";
    public const string CompatibleBaseUrlSetting = "OPENAI_COMPATIBLE_BASE_URL";
    public const string CompatibleModelSetting = "OPENAI_COMPATIBLE_MODEL";
    public const string CompatibleKeySetting = "OPENAI_COMPATIBLE_API_KEY";
    public const string CompatibleFailoverSetting = "OPENAI_COMPATIBLE_FAILOVER_MODEL";
    public const string AzureEmbeddingDeploymentSetting = "AZURE_OPENAI_EMBEDDING_DEPLOYMENT";

    /// <summary>The simulated embedding model's vectors are as long as the local MiniLM's, so it fits ingestion's column.</summary>
    public const int SimulatedEmbeddingDimensions = 384;

    private static readonly Uri OpenAIEndpoint = new("https://api.openai.com/v1");
    private static readonly Uri AnthropicEndpoint = new("https://api.anthropic.com");

    private static readonly ModelDefinition Gpt4o = new("gpt-4o", "GPT-4o", 128_000, 16_384, new(Vision: true, Tools: true));
    private static readonly ModelDefinition Gpt4oMini = new("gpt-4o-mini", "GPT-4o mini", 128_000, 16_384, new(Vision: true, Tools: true));
    private static readonly Pricing Gpt4oPrice = new(2.50m, 1.25m, 10.00m);
    private static readonly Pricing Gpt4oMiniPrice = new(0.15m, 0.075m, 0.60m);

    // A reasoning model: OpenAI refuses a temperature for it (the router drops one), and bills its reasoning as output.
    private static readonly ModelDefinition O4Mini = new("o4-mini", "o4-mini", 200_000, 100_000, new(Vision: true, Tools: true, Temperature: false));
    private static readonly Pricing O4MiniPrice = new(1.10m, 0.275m, 4.40m);

    // Embedding models: the context window is the longest input; they write no output.
    private static readonly ModelDefinition Embedding3Small = new(
        "text-embedding-3-small", "text-embedding-3-small", 8_191, 0, new(EmbeddingDimensions: 1_536));
    private static readonly ModelDefinition Embedding3Large = new(
        "text-embedding-3-large", "text-embedding-3-large", 8_191, 0, new(EmbeddingDimensions: 3_072));
    private static readonly Pricing Embedding3SmallPrice = new(0.02m, 0.02m, 0);
    private static readonly Pricing Embedding3LargePrice = new(0.13m, 0.13m, 0);

    /// <summary>True when any provider is configured; then simulated models are not added unless asked for.</summary>
    public static bool HasProvider(IConfiguration configuration) =>
        IsSet(configuration, OpenAIKeySetting)
        || IsSet(configuration, AnthropicKeySetting)
        || (IsSet(configuration, AzureEndpointSetting) && IsSet(configuration, AzureKeySetting))
        || IsSet(configuration, CompatibleBaseUrlSetting);

    public static CatalogEntries Build(IConfiguration configuration, bool includeSimulated)
    {
        var models = new List<ModelDefinition>();
        var deployments = new List<DeploymentDefinition>();

        if (IsSet(configuration, OpenAIKeySetting))
        {
            models.AddRange([Gpt4o, Gpt4oMini, O4Mini]);
            deployments.Add(new("openai-gpt-4o", Gpt4o.Id, ProviderKind.OpenAI, "gpt-4o", OpenAIEndpoint, OpenAIKeySetting, 0, 1, Gpt4oPrice));
            deployments.Add(new("openai-gpt-4o-mini", Gpt4oMini.Id, ProviderKind.OpenAI, "gpt-4o-mini", OpenAIEndpoint, OpenAIKeySetting, 0, 1,
                Gpt4oMiniPrice));
            deployments.Add(new("openai-o4-mini", O4Mini.Id, ProviderKind.OpenAI, "o4-mini", OpenAIEndpoint, OpenAIKeySetting, 0, 1, O4MiniPrice));
            models.AddRange([Embedding3Small, Embedding3Large]);
            deployments.Add(new("openai-text-embedding-3-small", Embedding3Small.Id, ProviderKind.OpenAI, "text-embedding-3-small", OpenAIEndpoint,
                OpenAIKeySetting, 0, 1, Embedding3SmallPrice));
            deployments.Add(new("openai-text-embedding-3-large", Embedding3Large.Id, ProviderKind.OpenAI, "text-embedding-3-large", OpenAIEndpoint,
                OpenAIKeySetting, 0, 1, Embedding3LargePrice));
        }

        if (IsSet(configuration, AnthropicKeySetting))
        {
            models.Add(new("claude-sonnet-4-5", "Claude Sonnet 4.5", 200_000, 64_000, new(Vision: true, Tools: true)));
            models.Add(new("claude-haiku-4-5", "Claude Haiku 4.5", 200_000, 64_000, new(Vision: true, Tools: true)));
            deployments.Add(new("anthropic-claude-sonnet-4-5", "claude-sonnet-4-5", ProviderKind.Anthropic, "claude-sonnet-4-5",
                AnthropicEndpoint, AnthropicKeySetting, 0, 1, new Pricing(3.00m, 0.30m, 15.00m)));
            deployments.Add(new("anthropic-claude-haiku-4-5", "claude-haiku-4-5", ProviderKind.Anthropic, "claude-haiku-4-5",
                AnthropicEndpoint, AnthropicKeySetting, 0, 1, new Pricing(1.00m, 0.10m, 5.00m)));
        }

        if (IsSet(configuration, AzureEndpointSetting) && IsSet(configuration, AzureKeySetting))
        {
            var endpoint = AbsoluteHttpUri(configuration, AzureEndpointSetting);
            var deploymentName = Setting(configuration, AzureDeploymentSetting) ?? "gpt-4o";
            // A deployment of a model we know serves that model (behind OpenAI's own deployment when both are set).
            var known = new[] { Gpt4o, Gpt4oMini }.FirstOrDefault(m => m.Id == deploymentName.ToLowerInvariant());
            var model = known ?? new ModelDefinition(ToId(deploymentName), $"{deploymentName} (Azure OpenAI)", 128_000, 16_384,
                new(Vision: false, Tools: true));
            if (!models.Contains(model))
            {
                models.Add(model);
            }
            var price = known == Gpt4oMini ? Gpt4oMiniPrice : Gpt4oPrice;
            deployments.Add(new(ToId($"azure-{deploymentName}"), model.Id, ProviderKind.AzureOpenAI, deploymentName, endpoint, AzureKeySetting,
                Priority: known is not null && IsSet(configuration, OpenAIKeySetting) ? 1 : 0, 1, price));
            AddAzureEmbeddings(configuration, endpoint, models, deployments);
        }

        if (IsSet(configuration, CompatibleBaseUrlSetting))
        {
            var endpoint = AbsoluteHttpUri(configuration, CompatibleBaseUrlSetting);
            var providerModel = Setting(configuration, CompatibleModelSetting) ?? "local";
            var model = new ModelDefinition(ToId(providerModel), $"{providerModel} (self-hosted)", 32_768, 4_096, new(Vision: false, Tools: false));
            if (models.All(m => m.Id != model.Id))
            {
                models.Add(model);
            }
            deployments.Add(new(ToId($"compatible-{providerModel}"), model.Id, ProviderKind.OpenAICompatible, providerModel, endpoint,
                IsSet(configuration, CompatibleKeySetting) ? CompatibleKeySetting : null, 0, 1, Pricing.Free));
        }

        if (includeSimulated)
        {
            AddSimulated(models, deployments);
        }
        AddCompatibleFailover(configuration, deployments);
        return new CatalogEntries(models, deployments);
    }

    /// <summary>
    /// sim-fast answers at once; sim-smart has two deployments with different priorities, weights and prices so
    /// failover and every strategy can be shown; sim-vision accepts images; sim-embed returns 384-dimension embeddings.
    /// </summary>
    private static void AddSimulated(List<ModelDefinition> models, List<DeploymentDefinition> deployments)
    {
        models.Add(new("sim-fast", "Sim Fast (simulated)", 32_768, 4_096, new(Vision: false, Tools: true)));
        models.Add(new("sim-smart", "Sim Smart (simulated)", 128_000, 8_192, new(Vision: false, Tools: true)));
        models.Add(new("sim-vision", "Sim Vision (simulated)", 128_000, 8_192, new(Vision: true, Tools: true)));
        models.Add(new("sim-embed", "Sim Embed (simulated)", 8_191, 0, new(EmbeddingDimensions: SimulatedEmbeddingDimensions)));

        deployments.Add(new("sim-fast-1", "sim-fast", ProviderKind.Simulator, "sim-fast", null, null, 0, 1,
            new Pricing(0.10m, 0.05m, 0.40m), Simulator: new SimulatorSettings(TimeToFirstTokenMs: 50, TokensPerSecond: 200, AnswerTokens: 60)));
        deployments.Add(new("sim-smart-primary", "sim-smart", ProviderKind.Simulator, "sim-smart", null, null, 0, 3,
            new Pricing(3.00m, 0.30m, 15.00m), Simulator: new SimulatorSettings(TimeToFirstTokenMs: 400, TokensPerSecond: 40, AnswerTokens: 120)));
        deployments.Add(new("sim-smart-secondary", "sim-smart", ProviderKind.Simulator, "sim-smart", null, null, 1, 1,
            new Pricing(1.00m, 0.10m, 5.00m), Simulator: new SimulatorSettings(TimeToFirstTokenMs: 250, TokensPerSecond: 60, AnswerTokens: 120)));
        deployments.Add(new("sim-vision-1", "sim-vision", ProviderKind.Simulator, "sim-vision", null, null, 0, 1,
            new Pricing(2.50m, 1.25m, 10.00m), Simulator: new SimulatorSettings(TimeToFirstTokenMs: 300, TokensPerSecond: 50, AnswerTokens: 80)));
        deployments.Add(new("sim-embed-1", "sim-embed", ProviderKind.Simulator, "sim-embed", null, null, 0, 1, new Pricing(0.02m, 0.02m, 0),
            Simulator: new SimulatorSettings()));
    }

    /// <summary>
    /// <c>AZURE_OPENAI_EMBEDDING_DEPLOYMENT</c> names a deployment of text-embedding-3-small or -large (behind OpenAI's
    /// own when both are set); another name is taken for a 1,536-dimension model of its own.
    /// </summary>
    private static void AddAzureEmbeddings(IConfiguration configuration, Uri endpoint, List<ModelDefinition> models, List<DeploymentDefinition> deployments)
    {
        if (Setting(configuration, AzureEmbeddingDeploymentSetting) is not { } deploymentName)
        {
            return;
        }
        var known = new[] { Embedding3Small, Embedding3Large }.FirstOrDefault(m => m.Id == deploymentName.ToLowerInvariant());
        var model = known ?? new ModelDefinition(ToId(deploymentName), $"{deploymentName} (Azure OpenAI)", 8_191, 0, new(EmbeddingDimensions: 1_536));
        if (!models.Contains(model))
        {
            models.Add(model);
        }
        deployments.Add(new(ToId($"azure-{deploymentName}"), model.Id, ProviderKind.AzureOpenAI, deploymentName, endpoint, AzureKeySetting,
            Priority: known is not null && IsSet(configuration, OpenAIKeySetting) ? 1 : 0, 1,
            known == Embedding3Large ? Embedding3LargePrice : Embedding3SmallPrice));
    }

    /// <summary>
    /// A self-hosted model (a GPU server that scales to zero, or a box under a desk) answered by a hosted one while it is
    /// down or starting: <c>OPENAI_COMPATIBLE_FAILOVER_MODEL</c> names a model of the catalog, whose deployments are
    /// added behind the self-hosted one (a priority lower), at their own prices.
    /// </summary>
    private static void AddCompatibleFailover(IConfiguration configuration, List<DeploymentDefinition> deployments)
    {
        if (!IsSet(configuration, CompatibleBaseUrlSetting) || Setting(configuration, CompatibleFailoverSetting) is not { } failoverModel)
        {
            return;
        }
        var modelId = ToId(Setting(configuration, CompatibleModelSetting) ?? "local");
        var failoverId = failoverModel.ToLowerInvariant();
        var behind = deployments.Where(d => d.ModelId == failoverId && d.ModelId != modelId).ToList();
        if (behind.Count == 0)
        {
            throw new InvalidOperationException(
                $"{CompatibleFailoverSetting} names '{failoverModel}', which no configured provider serves (set its provider's key, e.g. OPENAI_API_KEY for gpt-4o-mini).");
        }
        foreach (var deployment in behind)
        {
            deployments.Add(deployment with { Id = ToId($"failover-{deployment.Id}"), ModelId = modelId, Priority = deployment.Priority + 1 });
        }
    }

    private static bool IsSet(IConfiguration configuration, string name) => Setting(configuration, name) is not null;

    private static string? Setting(IConfiguration configuration, string name) =>
        configuration[name] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static Uri AbsoluteHttpUri(IConfiguration configuration, string name) =>
        Uri.TryCreate(Setting(configuration, name), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new InvalidOperationException($"{name} must be an absolute http(s) URI, e.g. https://example.openai.azure.com/.");

    // Provider names may hold upper case, '/' or ':' (Ollama's "llama3.2:3b"); catalog ids may not.
    internal static string ToId(string name)
    {
        var id = new StringBuilder(name.Length);
        foreach (var c in name.ToLowerInvariant())
        {
            id.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.' or '_' ? c : '-');
        }
        return id.Length > CatalogRules.MaxIdLength ? id.ToString(0, CatalogRules.MaxIdLength) : id.ToString();
    }
}

public sealed record CatalogEntries(IReadOnlyList<ModelDefinition> Models, IReadOnlyList<DeploymentDefinition> Deployments);
