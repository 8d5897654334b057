using ChatPlatform.ModelRouter.Model;

namespace ChatPlatform.ModelRouter.Routing;

/// <summary>
/// The final record of one request: tokens as the provider reported them, or estimated (about four characters a
/// token) and flagged when it reported none; what it cost at the deployment's prices.
/// </summary>
public sealed record RouteUsage(
    string Model,
    string DeploymentId,
    ProviderKind Provider,
    long InputTokens,
    long OutputTokens,
    long CachedInputTokens,
    bool Estimated,
    TimeSpan TimeToFirstToken,
    TimeSpan Duration,
    decimal Cost,
    string? FinishReason);
