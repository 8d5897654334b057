using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatPlatform.Chat.Model;

/// <summary>One numbered event of an assistant message's turn (docs/turns.md): <see cref="Data"/> is its JSON.</summary>
public sealed record TurnEvent(long Id, string Type, string Data)
{
    public const string Started = "turn.started";
    public const string Delta = "delta";
    public const string Done = "done";
    public const string Error = "error";

    public bool IsTerminal => Type is Done or Error;

    public static TurnEvent Create<T>(long id, string type, T data) =>
        new(id, type, JsonSerializer.Serialize(data, JsonDefaults.Options));

    /// <summary>The event that ends a turn, by how its message ended: <c>done</c> when complete or stopped, <c>error</c> otherwise.</summary>
    public static TurnEvent Terminal(long id, Message message, string? finishReason, TurnUsage? usage, string? errorCode, string? errorDetail) =>
        message.Status is MessageStatus.Complete or MessageStatus.Stopped
            ? Create(id, Done, new DoneData(message, finishReason ?? (message.Status == MessageStatus.Stopped ? "stopped" : "stop"), usage))
            : Create(id, Error, new ErrorData(message, errorCode ?? message.Status.ToString().ToLowerInvariant(), errorDetail ?? ""));
}

/// <param name="Notices">What the user should know about how the turn was sent (an image sent as its text); empty when nothing.</param>
public sealed record TurnStartedData(Guid ConversationId, Message? UserMessage, Message AssistantMessage, IReadOnlyList<string> Notices);

public sealed record DeltaData(string Text);

public sealed record DoneData(Message Message, string FinishReason, TurnUsage? Usage);

public sealed record ErrorData(Message Message, string Code, string Detail);

/// <summary>
/// What an answer cost, as the <c>done</c> event (docs/turns.md's <c>Usage</c>) and the <c>usage.recorded</c> event report
/// it; the cached input tokens go to billing only.
/// </summary>
public sealed record TurnUsage(
    long InputTokens,
    [property: JsonIgnore] long CachedInputTokens,
    long OutputTokens,
    bool Estimated,
    decimal CostUsd,
    string Model,
    string Deployment,
    string Provider,
    long TimeToFirstTokenMs)
{
    /// <summary>
    /// The usage of an answer cut short without the router's figures (stopped, or ended by a sweeper): the output from its
    /// text (about 4 characters a token), nothing priced, the deployment unknown. Null when nothing was generated.
    /// </summary>
    public static TurnUsage? Estimate(long inputTokens, string content, string model, long timeToFirstTokenMs) =>
        content.Length == 0 ? null : new(inputTokens, 0, (content.Length + 3) / 4, true, 0m, model, "unknown", "unknown", timeToFirstTokenMs);
}

/// <summary>How a turn ended, as it is committed to the assistant message.</summary>
public sealed record TurnOutcome(
    MessageStatus Status,
    string Content,
    string? FinishReason,
    TurnUsage? Usage,
    string? ErrorCode,
    string? ErrorDetail,
    long DurationMs,
    long LastEventId,
    IReadOnlyList<Citation> Citations,
    string? ReservationId = null);
