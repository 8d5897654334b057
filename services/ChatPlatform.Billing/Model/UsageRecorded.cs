namespace ChatPlatform.Billing.Model;

/// <summary>
/// The <c>usage.recorded</c> payload (docs/turns.md "Usage events"), as chat and the gateway write it. Optional fields
/// are null when the producer leaves them out: the gateway has no conversation, chat has no API key, and events
/// written before <c>status</c> was added carry none. <see cref="FileId"/> is the file an <c>embedding</c> was for.
/// </summary>
public sealed record UsageRecorded(
    Guid UserId,
    string Source,
    Guid? ConversationId,
    Guid? MessageId,
    Guid? ApiKeyId,
    string? Status,
    string Model,
    string Deployment,
    string Provider,
    long InputTokens,
    long CachedInputTokens,
    long OutputTokens,
    bool Estimated,
    decimal CostUsd,
    DateTimeOffset OccurredAt,
    string? ReservationId = null,
    Guid? FileId = null)
{
    public const string EventType = "usage.recorded";

    /// <summary>What chat and the gateway write when the router's figures never came: nobody knows who served it.</summary>
    public const string UnknownDeployment = "unknown";

    /// <summary>An answer in chat, a call through the API, a conversation's title, a file's embeddings.</summary>
    public static readonly string[] Sources = ["chat", "api", "title", "embedding"];

    /// <summary>Whether billing must price it: the router priced every answer whose deployment it reported.</summary>
    public bool NeedsPricing => Deployment == UnknownDeployment;

    /// <summary>A payload that cannot be a real answer's (a bug upstream): recorded nowhere, logged, skipped.</summary>
    public bool IsValid =>
        UserId != Guid.Empty && Sources.Contains(Source) && !string.IsNullOrWhiteSpace(Model) && !string.IsNullOrEmpty(Deployment)
        && !string.IsNullOrEmpty(Provider) && InputTokens >= 0 && CachedInputTokens >= 0 && CachedInputTokens <= InputTokens
        && OutputTokens >= 0 && CostUsd >= 0 && CostUsd < 1_000_000_000m;
}
