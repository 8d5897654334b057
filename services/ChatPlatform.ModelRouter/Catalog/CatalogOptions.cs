using ChatPlatform.ModelRouter.Model;

namespace ChatPlatform.ModelRouter.Catalog;

/// <summary>
/// The <c>Catalog</c> configuration section: models and deployments upserted into the catalog at start-up
/// (configuration wins for the ids it names; entries created through the admin API are kept).
/// </summary>
public sealed class CatalogOptions
{
    public const string SectionName = "Catalog";

    /// <summary>Whether the built-in simulated models are added; by default only when no provider is configured.</summary>
    public SimulatedModelsMode SimulatedModels { get; set; } = SimulatedModelsMode.Auto;

    /// <summary>How often each instance rereads the catalog even without a change announcement on Redis.</summary>
    public int ReloadIntervalSeconds { get; set; } = 60;

    public List<ModelOptions> Models { get; set; } = [];

    public List<DeploymentOptions> Deployments { get; set; } = [];
}

public enum SimulatedModelsMode
{
    /// <summary>Simulated models only when no provider key or endpoint is configured, so the platform works offline.</summary>
    Auto,
    Always,
    Never,
}

public sealed class ModelOptions
{
    public string Id { get; set; } = "";

    public string? DisplayName { get; set; }

    public int ContextWindow { get; set; }

    public int MaxOutputTokens { get; set; }

    public bool Vision { get; set; }

    public bool Tools { get; set; }

    /// <summary>False for a model that rejects a sampling temperature (reasoning models); the router then drops one.</summary>
    public bool Temperature { get; set; } = true;

    /// <summary>Set for an embedding model: the length of its vectors.</summary>
    public int? EmbeddingDimensions { get; set; }

    public RoutingStrategy Strategy { get; set; } = RoutingStrategy.Priority;

    public bool Enabled { get; set; } = true;

    /// <summary>The tiers that may use the model; empty for every tier.</summary>
    public List<string> Tiers { get; set; } = [];

    public ModelDefinition ToDefinition() =>
        new(Id, string.IsNullOrWhiteSpace(DisplayName) ? Id : DisplayName, ContextWindow, MaxOutputTokens,
            new ModelCapabilities(Vision, Tools, EmbeddingDimensions, Temperature), Strategy, Enabled, Tiers.Count == 0 ? null : [.. Tiers]);
}

public sealed class DeploymentOptions
{
    public string Id { get; set; } = "";

    public string ModelId { get; set; } = "";

    public ProviderKind Provider { get; set; }

    /// <summary>The provider's own name for the model; the model id when not set.</summary>
    public string? ProviderModel { get; set; }

    public string? Endpoint { get; set; }

    /// <summary>The NAME of the configuration entry holding the key (e.g. <c>OPENAI_API_KEY</c>), never the key.</summary>
    public string? ApiKeySetting { get; set; }

    public int Priority { get; set; }

    public int Weight { get; set; } = 1;

    public PriceOptions Price { get; set; } = new();

    public bool Enabled { get; set; } = true;

    public SimulatorOptions? Simulator { get; set; }

    public DeploymentDefinition ToDefinition() =>
        new(Id, ModelId, Provider, string.IsNullOrWhiteSpace(ProviderModel) ? ModelId : ProviderModel,
            string.IsNullOrWhiteSpace(Endpoint) ? null
                : Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) ? uri
                : throw new InvalidOperationException($"Catalog:Deployments '{Id}': Endpoint '{Endpoint}' is not an absolute http(s) URI."),
            string.IsNullOrWhiteSpace(ApiKeySetting) ? null : ApiKeySetting,
            Priority, Weight, new Pricing(Price.InputPerMillion, Price.CachedInputPerMillion, Price.OutputPerMillion), Enabled,
            Simulator?.ToSettings() ?? (Provider == ProviderKind.Simulator ? new SimulatorSettings() : null));
}

public sealed class PriceOptions
{
    public decimal InputPerMillion { get; set; }

    public decimal CachedInputPerMillion { get; set; }

    public decimal OutputPerMillion { get; set; }
}

public sealed class SimulatorOptions
{
    private static readonly SimulatorSettings Defaults = new();

    public int TimeToFirstTokenMs { get; set; } = Defaults.TimeToFirstTokenMs;

    public double TokensPerSecond { get; set; } = Defaults.TokensPerSecond;

    public int AnswerTokens { get; set; } = Defaults.AnswerTokens;

    public SimulatedFailure Failure { get; set; } = Defaults.Failure;

    public int FailAfterTokens { get; set; } = Defaults.FailAfterTokens;

    public int RetryAfterSeconds { get; set; } = Defaults.RetryAfterSeconds;

    public SimulatorSettings ToSettings() =>
        new(TimeToFirstTokenMs, TokensPerSecond, AnswerTokens, Failure, FailAfterTokens, RetryAfterSeconds);
}
