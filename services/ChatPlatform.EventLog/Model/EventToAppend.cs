using System.Text.Json;

namespace ChatPlatform.EventLog;

/// <summary>
/// An event to write: <paramref name="Type"/> names what happened ("chat.message-completed"), <paramref name="Key"/> orders
/// events that belong together (a conversation or user id), <paramref name="Payload"/> is any JSON value.
/// Set <see cref="Id"/> to make a producer idempotent: an id already in the log is not appended again.
/// </summary>
public sealed record EventToAppend(string Type, string Key, JsonElement Payload)
{
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>An event whose payload is <paramref name="payload"/> serialised with the System.Text.Json web defaults.</summary>
    public static EventToAppend Create<TPayload>(string type, string key, TPayload payload) =>
        new(type, key, JsonSerializer.SerializeToElement(payload, JsonSerializerOptions.Web));
}
