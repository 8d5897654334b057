namespace ChatPlatform.ModelRouter.Model;

/// <summary>
/// One place a model is served: a provider, its endpoint and the provider's own model name. The key is never
/// stored: <see cref="ApiKeySetting"/> names the configuration entry that holds it (e.g. <c>OPENAI_API_KEY</c>).
/// </summary>
public sealed record DeploymentDefinition(
    string Id,
    string ModelId,
    ProviderKind Provider,
    string ProviderModel,
    Uri? Endpoint,
    string? ApiKeySetting,
    int Priority,
    int Weight,
    Pricing Price,
    bool Enabled = true,
    SimulatorSettings? Simulator = null);
