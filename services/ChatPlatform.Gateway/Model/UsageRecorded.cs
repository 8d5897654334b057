using System.Text.Json.Serialization;

namespace ChatPlatform.Gateway.Model;

/// <summary>The <c>usage.recorded</c> event's payload (docs/turns.md), keyed by the user id.</summary>
public sealed record UsageRecorded(
    Guid UserId,
    string Source,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? ApiKeyId,
    string Model,
    string Deployment,
    string Provider,
    long InputTokens,
    long CachedInputTokens,
    long OutputTokens,
    bool Estimated,
    decimal CostUsd,
    long TimeToFirstTokenMs,
    long DurationMs,
    DateTimeOffset OccurredAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReservationId = null)
{
    public const string EventType = "usage.recorded";
    public const string ApiSource = "api";
}

/// <summary>What the model router reports in an OpenAI <c>usage</c> object, with its <c>chatplatform</c> extension.</summary>
public sealed record RouterUsage(
    string Model,
    long PromptTokens,
    long CompletionTokens,
    long CachedTokens,
    string Deployment,
    string Provider,
    bool Estimated,
    decimal CostUsd,
    long TimeToFirstTokenMs);
