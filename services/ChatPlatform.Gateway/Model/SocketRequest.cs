using System.Text.Json;

namespace ChatPlatform.Gateway.Model;

/// <summary>
/// A client frame of <c>/v1/ws</c> (docs/turns.md), validated: each type names the chat request it opens.
/// <see cref="ParentId"/> is kept as the client wrote it, because absent and null mean different things to chat.
/// </summary>
public sealed record SocketRequest(
    string Type, string RequestId, Guid ConversationId, Guid? MessageId, string? Content, JsonElement? ParentId, long? LastEventId)
{
    /// <summary>A turn's <c>fileIds</c>, as the client wrote them: chat checks each (docs/files.md).</summary>
    public JsonElement? FileIds { get; init; }

    public const string Turn = "turn";
    public const string Regenerate = "regenerate";
    public const string Resume = "resume";
    public const string Stop = "stop";

    /// <summary>Goes on from an answer cut at its length limit (chat's <c>POST .../messages/{id}/continue</c>).</summary>
    public const string Continue = "continue";

    public bool StartsTurn => Type is Turn or Regenerate or Continue;

    /// <summary>The frame as a request, or the reason it is not one (and its requestId, when it had a usable one).</summary>
    public static (SocketRequest? Request, string? RequestId, string? Error) Parse(ReadOnlySpan<byte> utf8)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(utf8);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            return (null, null, "The frame is not valid JSON.");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null, "The frame must be a JSON object.");
            }
            var requestId = String(root, "requestId");
            if (requestId is null or { Length: 0 or > 128 })
            {
                return (null, null, "'requestId' must be a string of 1 to 128 characters.");
            }
            var type = String(root, "type");
            if (type is not (Turn or Regenerate or Continue or Resume or Stop))
            {
                return (null, requestId, "'type' must be one of turn, regenerate, continue, resume, stop.");
            }
            if (Id(root, "conversationId") is not { } conversationId)
            {
                return (null, requestId, "'conversationId' must be a uuid.");
            }
            Guid? messageId = null;
            if (type != Turn && (messageId = Id(root, "messageId")) is null)
            {
                return (null, requestId, "'messageId' must be a uuid.");
            }
            string? content = null;
            JsonElement? parentId = null;
            JsonElement? fileIds = null;
            if (type == Turn)
            {
                content = String(root, "content");
                if (content is null)
                {
                    return (null, requestId, "'content' must be a string.");
                }
                if (root.TryGetProperty("parentId", out var parent))
                {
                    if (parent.ValueKind != JsonValueKind.Null && !(parent.ValueKind == JsonValueKind.String && parent.TryGetGuid(out _)))
                    {
                        return (null, requestId, "'parentId' must be a uuid or null.");
                    }
                    parentId = parent.Clone();
                }
                if (root.TryGetProperty("fileIds", out var files))
                {
                    if (files.ValueKind != JsonValueKind.Array)
                    {
                        return (null, requestId, "'fileIds' must be an array of uuids.");
                    }
                    fileIds = files.Clone();
                }
            }
            long? lastEventId = null;
            if (type == Resume && root.TryGetProperty("lastEventId", out var last) && last.ValueKind != JsonValueKind.Null)
            {
                if (last.ValueKind != JsonValueKind.Number || !last.TryGetInt64(out var value) || value < 0)
                {
                    return (null, requestId, "'lastEventId' must be a whole number, 0 or more.");
                }
                lastEventId = value;
            }
            return (new SocketRequest(type, requestId, conversationId, messageId, content, parentId, lastEventId) { FileIds = fileIds }, requestId, null);
        }
    }

    private static string? String(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null; // a lone surrogate (\ud800) is valid JSON but no string: refused as a wrong field, not a dropped socket
        }
    }

    private static Guid? Id(JsonElement root, string name)
    {
        try
        {
            return root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.TryGetGuid(out var id) ? id : null;
        }
        catch (InvalidOperationException)
        {
            return null; // a lone surrogate: even TryGetGuid throws on one
        }
    }
}
