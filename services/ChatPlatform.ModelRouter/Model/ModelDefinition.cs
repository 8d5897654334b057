namespace ChatPlatform.ModelRouter.Model;

/// <summary>What users pick. It is served by one or more <see cref="DeploymentDefinition"/>s.</summary>
/// <param name="Tiers">The tiers whose users may use the model; null for every tier.</param>
public sealed record ModelDefinition(
    string Id,
    string DisplayName,
    int ContextWindow,
    int MaxOutputTokens,
    ModelCapabilities Capabilities,
    RoutingStrategy Strategy = RoutingStrategy.Priority,
    bool Enabled = true,
    IReadOnlyList<string>? Tiers = null)
{
    /// <summary>
    /// Whether a caller of <paramref name="tier"/> may use the model. A token without a tier is a service acting on its
    /// own (titles, background work): only the gateway mints tokens for people, and it always names their tier.
    /// </summary>
    public bool AllowsTier(string? tier) =>
        Tiers is null || tier is null || Tiers.Contains(tier, StringComparer.Ordinal);
}
