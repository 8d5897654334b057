using ChatPlatform.ModelRouter.Model;

namespace ChatPlatform.ModelRouter.Catalog;

/// <summary>An immutable view of the catalog; replaced whole when an admin changes it, so readers never lock.</summary>
/// <param name="modelsCreatedAt">When each model was first added, for <c>/v1/models</c>' <c>created</c>; optional.</param>
public sealed class CatalogSnapshot(
    IReadOnlyList<ModelDefinition> models,
    IReadOnlyList<DeploymentDefinition> deployments,
    IReadOnlyDictionary<string, DateTimeOffset>? modelsCreatedAt = null)
{
    public static CatalogSnapshot Empty { get; } = new([], []);

    private readonly Dictionary<string, ModelDefinition> _models = models.ToDictionary(m => m.Id, StringComparer.Ordinal);
    private readonly ILookup<string, DeploymentDefinition> _deployments = deployments.ToLookup(d => d.ModelId, StringComparer.Ordinal);

    public IReadOnlyList<ModelDefinition> Models { get; } = models;

    public IReadOnlyList<DeploymentDefinition> Deployments { get; } = deployments;

    public ModelDefinition? FindModel(string id) => _models.GetValueOrDefault(id);

    /// <summary>The model's enabled deployments.</summary>
    public IReadOnlyList<DeploymentDefinition> DeploymentsOf(string modelId) => [.. _deployments[modelId].Where(d => d.Enabled)];

    /// <summary>True when every deployment of the model is the simulator: such models are labelled as simulated.</summary>
    public bool IsSimulated(string modelId) =>
        _deployments[modelId].Any() && _deployments[modelId].All(d => d.Provider == ProviderKind.Simulator);

    /// <summary>When the model was first added to the catalog, if known.</summary>
    public DateTimeOffset? CreatedAt(string modelId) => modelsCreatedAt?.TryGetValue(modelId, out var at) == true ? at : null;
}
