using System.Text;
using System.Text.Json;
using Confluent.Kafka;

namespace ChatPlatform.EventLog.Kafka;

/// <summary>
/// An event as a Kafka message: keyed by the event's key (so one key's events share a partition, in commit order), the
/// value the event as JSON, and the producer's trace in a <c>traceparent</c> header as well, for brokers' tooling.
/// </summary>
internal static class KafkaEventMessage
{
    private const string TraceParentHeader = "traceparent";

    public static Message<string, byte[]> From(EventRecord e)
    {
        var message = new Message<string, byte[]>
        {
            Key = e.Key,
            Value = JsonSerializer.SerializeToUtf8Bytes(e, JsonSerializerOptions.Web),
            Timestamp = new Timestamp(e.CreatedAt),
        };
        if (e.TraceParent is { } traceParent)
        {
            message.Headers = [new Header(TraceParentHeader, Encoding.ASCII.GetBytes(traceParent))];
        }
        return message;
    }

    /// <summary>The event, or null for a message that is not one (written by something else), which consumers skip.</summary>
    public static EventRecord? Read(Message<string, byte[]> message)
    {
        try
        {
            return message.Value is null ? null : JsonSerializer.Deserialize<EventRecord>(message.Value, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
