namespace ChatPlatform.ModelRouter.Model;

/// <summary>What users pick. It is served by one or more <see cref="DeploymentDefinition"/>s.</summary>
public sealed record ModelDefinition(
    string Id,
    string DisplayName,
    int ContextWindow,
    int MaxOutputTokens,
    ModelCapabilities Capabilities,
    RoutingStrategy Strategy = RoutingStrategy.Priority,
    bool Enabled = true);
