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
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReservationId = null)
{
    public const string EventType = "usage.recorded";
    public const string ApiSource = "api";

    /// <summary>The answer ended as the model meant it to.</summary>
    public const string Complete = "complete";

    /// <summary>The client went away before the end; what it was sent is what it used.</summary>
    public const string Stopped = "stopped";

    /// <summary>The router's stream broke or reported an error after it began.</summary>
    public const string Failed = "failed";

    /// <summary>Written when the router's figures never came: billing prices the model's answer itself (docs/usage.md).</summary>
    public const string Unknown = "unknown";
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
