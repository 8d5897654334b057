using ChatPlatform.Billing.Model;
using ChatPlatform.EventLog;

namespace ChatPlatform.Billing.Tests;

/// <summary><c>usage.recorded</c> events as chat and the gateway write them (docs/turns.md).</summary>
public static class Answers
{
    public static EventToAppend Event(
        Guid userId, string model = "gpt-x", string deployment = "gpt-x-primary", long input = 1000, long cached = 200, long output = 500,
        bool estimated = false, decimal cost = 0.00725m, DateTimeOffset? at = null, string source = "chat", string? status = "complete",
        string provider = "openai", string? reservationId = null)
    {
        var chat = source == "chat";
        return EventToAppend.Create(UsageRecorded.EventType, userId.ToString(), new
        {
            userId,
            source,
            conversationId = chat ? Guid.NewGuid() : (Guid?)null,
            messageId = chat ? Guid.NewGuid() : (Guid?)null,
            apiKeyId = chat ? (Guid?)null : Guid.NewGuid(),
            status = chat ? status : null,
            model,
            deployment,
            provider = deployment == UsageRecorded.UnknownDeployment ? UsageRecorded.UnknownDeployment : provider,
            inputTokens = input,
            cachedInputTokens = cached,
            outputTokens = output,
            estimated,
            costUsd = cost,
            timeToFirstTokenMs = 120,
            durationMs = 900,
            occurredAt = at ?? new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero),
            reservationId,
        });
    }
}
