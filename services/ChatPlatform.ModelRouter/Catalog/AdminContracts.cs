using ChatPlatform.ModelRouter.Model;

namespace ChatPlatform.ModelRouter.Catalog;

/// <summary>
/// The body of <c>PUT</c> (all required fields) and <c>PATCH</c> (only the fields to change) on <c>/v1/admin/models/{id}</c>.
/// Enums arrive as text so a wrong value is answered with the field named. <see cref="Tiers"/> lists the tiers that may
/// use the model; an empty list opens it to every tier, and leaving it out keeps what was there (every tier when new).
/// </summary>
public sealed record ModelRequest(
    string? DisplayName = null,
    int? ContextWindow = null,
    int? MaxOutputTokens = null,
    CapabilitiesRequest? Capabilities = null,
    string? Strategy = null,
    bool? Enabled = null,
    IReadOnlyList<string>? Tiers = null)
{
    /// <summary>The model to store, or null with <paramref name="errors"/> filled. Without <paramref name="existing"/> this is a full replace.</summary>
    public ModelDefinition? ToDefinition(string id, ModelDefinition? existing, ValidationErrors errors)
    {
        if (existing is null)
        {
            Require(DisplayName, "displayName", errors);
            Require(ContextWindow, "contextWindow", errors);
            Require(MaxOutputTokens, "maxOutputTokens", errors);
        }
        var strategy = Strategy is null ? existing?.Strategy ?? RoutingStrategy.Priority : ParseName<RoutingStrategy>(Strategy, "strategy", errors);
        var model = new ModelDefinition(
            id,
            DisplayName ?? existing?.DisplayName ?? "-",
            ContextWindow ?? existing?.ContextWindow ?? 1,
            MaxOutputTokens ?? existing?.MaxOutputTokens ?? 1,
            new ModelCapabilities(
                Capabilities?.Vision ?? existing?.Capabilities.Vision ?? false,
                Capabilities?.Tools ?? existing?.Capabilities.Tools ?? false,
                Capabilities is { EmbeddingDimensions: { } dimensions } ? dimensions : existing?.Capabilities.EmbeddingDimensions,
                Capabilities?.Temperature ?? existing?.Capabilities.Temperature ?? true),
            strategy,
            Enabled ?? existing?.Enabled ?? true,
            Tiers is null ? existing?.Tiers : Tiers.Count == 0 ? null : [.. Tiers.Distinct(StringComparer.Ordinal)]);
        CatalogRules.Validate(model, errors);
        return errors.IsEmpty ? model : null;
    }

    internal static void Require<T>(T? value, string field, ValidationErrors errors)
    {
        if (value is null)
        {
            errors.Add(field, "Is required.");
        }
    }

    /// <summary>An enum member by name, any case; numbers are not names.</summary>
    internal static T ParseName<T>(string text, string field, ValidationErrors errors)
        where T : struct, Enum
    {
        if (Enum.GetNames<T>().FirstOrDefault(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase)) is { } name)
        {
            return Enum.Parse<T>(name);
        }
        errors.Add(field, $"Must be one of: {string.Join(", ", Enum.GetNames<T>())}.");
        return default;
    }
}

/// <param name="EmbeddingDimensions">Makes the model an embedding model with vectors of this length.</param>
/// <param name="Temperature">False for a model that rejects a sampling temperature; true when new and left out.</param>
public sealed record CapabilitiesRequest(bool? Vision = null, bool? Tools = null, int? EmbeddingDimensions = null, bool? Temperature = null);

/// <summary>
/// The body of <c>PUT</c> and <c>PATCH</c> on <c>/v1/admin/deployments/{id}</c>. <see cref="ApiKeySetting"/> is the NAME of
/// the configuration entry holding the key; key values are refused. In a PATCH an empty endpoint or key setting clears it.
/// </summary>
public sealed record DeploymentRequest(
    string? ModelId = null,
    string? Provider = null,
    string? ProviderModel = null,
    string? Endpoint = null,
    string? ApiKeySetting = null,
    int? Priority = null,
    int? Weight = null,
    PriceRequest? Price = null,
    bool? Enabled = null,
    SimulatorSettings? Simulator = null)
{
    public DeploymentDefinition? ToDefinition(string id, DeploymentDefinition? existing, ValidationErrors errors)
    {
        if (existing is null)
        {
            ModelRequest.Require(ModelId, "modelId", errors);
            ModelRequest.Require(Provider, "provider", errors);
            ModelRequest.Require(ProviderModel, "providerModel", errors);
            ModelRequest.Require(Price?.InputPerMillion, "price.inputPerMillion", errors);
            ModelRequest.Require(Price?.OutputPerMillion, "price.outputPerMillion", errors);
        }
        var provider = Provider is null
            ? existing?.Provider ?? ProviderKind.Simulator
            : ModelRequest.ParseName<ProviderKind>(Provider, "provider", errors);
        var endpoint = existing?.Endpoint;
        if (Endpoint is not null)
        {
            endpoint = null;
            if (Endpoint.Length > 0 && !Uri.TryCreate(Endpoint, UriKind.Absolute, out endpoint))
            {
                errors.Add("endpoint", "Must be an absolute http or https URI.");
            }
        }
        var apiKeySetting = ApiKeySetting is null ? existing?.ApiKeySetting : ApiKeySetting.Length == 0 ? null : ApiKeySetting;
        var input = Price?.InputPerMillion ?? existing?.Price.InputPerMillion ?? 0;
        var price = new Pricing(
            input,
            Price?.CachedInputPerMillion ?? (Price?.InputPerMillion is null ? existing?.Price.CachedInputPerMillion : null) ?? input,
            Price?.OutputPerMillion ?? existing?.Price.OutputPerMillion ?? 0);
        var deployment = new DeploymentDefinition(
            id,
            ModelId ?? existing?.ModelId ?? "-",
            provider,
            ProviderModel ?? existing?.ProviderModel ?? "-",
            endpoint,
            apiKeySetting,
            Priority ?? existing?.Priority ?? 0,
            Weight ?? existing?.Weight ?? 1,
            price,
            Enabled ?? existing?.Enabled ?? true,
            Simulator ?? existing?.Simulator ?? (provider == ProviderKind.Simulator ? new SimulatorSettings() : null));
        // Placeholders for missing required fields must not raise errors of their own.
        var checks = new ValidationErrors();
        CatalogRules.Validate(deployment with
        {
            ModelId = ModelId ?? existing?.ModelId ?? "placeholder",
            ProviderModel = ProviderModel ?? existing?.ProviderModel ?? "placeholder",
        }, checks);
        errors.AddAll(checks);
        return errors.IsEmpty ? deployment : null;
    }
}

/// <summary>Prices in US dollars per million tokens; the cached input price defaults to the input price.</summary>
public sealed record PriceRequest(decimal? InputPerMillion = null, decimal? CachedInputPerMillion = null, decimal? OutputPerMillion = null);

public sealed record AdminModel(
    string Id,
    string DisplayName,
    int ContextWindow,
    int MaxOutputTokens,
    ModelCapabilities Capabilities,
    RoutingStrategy Strategy,
    bool Enabled,
    IReadOnlyList<string>? Tiers,
    CatalogEntrySource Source,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static AdminModel From(StoredModel stored)
    {
        var m = stored.Definition;
        return new(m.Id, m.DisplayName, m.ContextWindow, m.MaxOutputTokens, m.Capabilities, m.Strategy, m.Enabled, m.Tiers,
            stored.Source, stored.Version, stored.CreatedAt, stored.UpdatedAt);
    }
}

/// <param name="ApiKeyConfigured">Whether the setting named by <paramref name="ApiKeySetting"/> has a value here; the value itself is never shown.</param>
public sealed record AdminDeployment(
    string Id,
    string ModelId,
    ProviderKind Provider,
    string ProviderModel,
    Uri? Endpoint,
    string? ApiKeySetting,
    bool ApiKeyConfigured,
    int Priority,
    int Weight,
    Pricing Price,
    bool Enabled,
    SimulatorSettings? Simulator,
    CatalogEntrySource Source,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static AdminDeployment From(StoredDeployment stored, IConfiguration configuration)
    {
        var d = stored.Definition;
        var configured = d.ApiKeySetting is { } setting && !string.IsNullOrWhiteSpace(configuration[setting]);
        return new(d.Id, d.ModelId, d.Provider, d.ProviderModel, d.Endpoint, d.ApiKeySetting, configured, d.Priority, d.Weight,
            d.Price, d.Enabled, d.Simulator, stored.Source, stored.Version, stored.CreatedAt, stored.UpdatedAt);
    }
}
