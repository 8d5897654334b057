using ChatPlatform.ModelRouter.Model;

namespace ChatPlatform.ModelRouter.Catalog;

/// <summary>An immutable view of the catalog; replaced whole when an admin changes it, so readers never lock.</summary>
public sealed class CatalogSnapshot(IReadOnlyList<ModelDefinition> models, IReadOnlyList<DeploymentDefinition> deployments)
{
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
}
