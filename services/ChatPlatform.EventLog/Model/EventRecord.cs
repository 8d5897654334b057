using System.Text.Json;

namespace ChatPlatform.EventLog;

/// <summary>An event as a consumer's handler receives it.</summary>
/// <param name="Position">The event's place in the log: consumers receive events in this order.</param>
/// <param name="TraceParent">The W3C traceparent of the activity that appended the event, if any.</param>
public sealed record EventRecord(
    Guid Id,
    long Position,
    string Type,
    string Key,
    JsonElement Payload,
    DateTimeOffset CreatedAt,
    string? TraceParent)
{
    /// <summary>The payload deserialised with the System.Text.Json web defaults.</summary>
    public TPayload? PayloadAs<TPayload>() => Payload.Deserialize<TPayload>(JsonSerializerOptions.Web);
}
