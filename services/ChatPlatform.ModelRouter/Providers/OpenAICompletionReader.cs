using System.Text.Json;
using ChatPlatform.ModelRouter.OpenAI;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Providers;

/// <summary>
/// Reads one streamed <c>chat.completion.chunk</c> (the data of one server-sent event), or a whole
/// <c>chat.completion</c>, into a <see cref="ChatResponseUpdate"/> in one pass over its UTF-8 bytes: the first choice's
/// delta (or message) text, a refusal being text too, its tool calls (a delta's as <see cref="ToolCallDelta"/>
/// fragments), its finish reason, and the token counts of the usage. Other fields are skipped; a malformed chunk
/// throws <see cref="JsonException"/>, and an <c>{"error": …}</c> event a <see cref="ProviderException"/>.
/// </summary>
public static class OpenAICompletionReader
{
    private static ReadOnlySpan<byte> Done => "[DONE]"u8;

    /// <summary>The update, or null for <c>[DONE]</c>.</summary>
    public static ChatResponseUpdate? Read(ReadOnlySpan<byte> data)
    {
        if (data.SequenceEqual(Done))
        {
            return null;
        }
        var reader = new Utf8JsonReader(data);
        Expect(ref reader, JsonTokenType.StartObject);
        var update = new ChatResponseUpdate { Role = ChatRole.Assistant };
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                update.ResponseId = StringOrNull(ref reader);
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                update.ModelId = StringOrNull(ref reader);
            }
            else if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                ReadChoices(ref reader, update);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    update.Contents.Add(new UsageContent(ReadUsage(ref reader)));
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.String)
                {
                    throw StreamError(ref reader);
                }
                reader.Skip();
            }
            else
            {
                SkipValue(ref reader);
            }
        }
        return update;
    }

    // Only the first choice: the router asks for one (n = 1).
    private static void ReadChoices(ref Utf8JsonReader reader, ChatResponseUpdate update)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }
        var first = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (!first || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }
            first = false;
            while (NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("delta"u8))
                {
                    reader.Read();
                    ReadMessage(ref reader, update, whole: false);
                }
                else if (reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    ReadMessage(ref reader, update, whole: true);
                }
                else if (reader.ValueTextEquals("finish_reason"u8))
                {
                    reader.Read();
                    if (StringOrNull(ref reader) is { Length: > 0 } reason)
                    {
                        update.FinishReason = new ChatFinishReason(reason);
                    }
                }
                else
                {
                    SkipValue(ref reader);
                }
            }
        }
    }

    // A whole message's tool calls are whole; a delta's are fragments, put together by StreamedToolCalls.
    private static void ReadMessage(ref Utf8JsonReader reader, ChatResponseUpdate update, bool whole)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("refusal"u8))
            {
                reader.Read();
                if (StringOrNull(ref reader) is { Length: > 0 } text)
                {
                    update.Contents.Add(new TextContent(text));
                }
            }
            else if (reader.ValueTextEquals("role"u8))
            {
                reader.Read();
                if (StringOrNull(ref reader) is { Length: > 0 } role)
                {
                    update.Role = new ChatRole(role);
                }
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                reader.Read();
                ReadToolCalls(ref reader, update, whole);
            }
            else
            {
                SkipValue(ref reader);
            }
        }
    }

    // [{"index", "id", "type": "function", "function": {"name", "arguments"}}, …]; a delta's fields may each be absent.
    private static void ReadToolCalls(ref Utf8JsonReader reader, ChatResponseUpdate update, bool whole)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }
            int? index = null;
            string? id = null, name = null, arguments = null;
            while (NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("index"u8))
                {
                    reader.Read();
                    index = reader.TokenType == JsonTokenType.Number ? reader.GetInt32() : null;
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    // Some OpenAI-compatible servers send "id": "" on every fragment after the first: that is no id.
                    id = StringOrNull(ref reader) is { Length: > 0 } given ? given : null;
                }
                else if (reader.ValueTextEquals("function"u8))
                {
                    reader.Read();
                    (name, arguments) = ReadFunction(ref reader);
                }
                else
                {
                    SkipValue(ref reader);
                }
            }
            update.Contents.Add(whole
                ? ToolCalls.Create(id ?? $"call_{Guid.NewGuid():N}", name ?? "", arguments ?? "")
                : new ToolCallDelta(index, id, name, arguments));
        }
    }

    private static (string? Name, string? Arguments) ReadFunction(ref Utf8JsonReader reader)
    {
        string? name = null, arguments = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return (name, arguments);
        }
        while (NextProperty(ref reader))
        {
            var isName = reader.ValueTextEquals("name"u8);
            var isArguments = reader.ValueTextEquals("arguments"u8);
            reader.Read();
            if (isName)
            {
                name = StringOrNull(ref reader);
            }
            else if (isArguments)
            {
                arguments = StringOrNull(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }
        return (name, arguments);
    }

    private static UsageDetails ReadUsage(ref Utf8JsonReader reader)
    {
        var usage = new UsageDetails();
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                reader.Read();
                usage.InputTokenCount = Count(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                reader.Read();
                usage.OutputTokenCount = Count(ref reader);
            }
            else if (reader.ValueTextEquals("total_tokens"u8))
            {
                reader.Read();
                usage.TotalTokenCount = Count(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8))
            {
                reader.Read();
                usage.CachedInputTokenCount = NestedCount(ref reader, "cached_tokens"u8) ?? usage.CachedInputTokenCount;
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8))
            {
                reader.Read();
                usage.ReasoningTokenCount = NestedCount(ref reader, "reasoning_tokens"u8) ?? usage.ReasoningTokenCount;
            }
            else
            {
                SkipValue(ref reader);
            }
        }
        return usage;
    }

    private static long? NestedCount(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }
        long? count = null;
        while (NextProperty(ref reader))
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            if (match)
            {
                count = Count(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }
        return count;
    }

    // OpenAI's error object ({"message", "type", "code"}) or a bare message. A code that is an HTTP client error (as
    // vLLM sends for a bad request) is the caller's mistake and not worth another deployment; anything else is transient.
    private static ProviderException StreamError(ref Utf8JsonReader reader)
    {
        string? message = null;
        int? status = null;
        if (reader.TokenType == JsonTokenType.String)
        {
            message = reader.GetString();
        }
        else
        {
            while (NextProperty(ref reader))
            {
                var isMessage = reader.ValueTextEquals("message"u8);
                var isCode = reader.ValueTextEquals("code"u8);
                reader.Read();
                if (isMessage && reader.TokenType == JsonTokenType.String)
                {
                    message = reader.GetString();
                }
                else if (isCode && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var code) && code is >= 400 and < 600)
                {
                    status = code;
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        var text = message is null ? "no message" : ProviderErrors.Redact(message);
        return new ProviderException(
            $"The provider reported an error in the stream: {text}", status, isTransient: status is not { } s || ProviderErrors.IsTransientStatus(s));
    }

    // Past the value of the property the reader is on, whatever its shape.
    private static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    // Moves to the next property name of the current object; false at its end.
    private static bool NextProperty(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("The chunk ended inside an object.");
        }
        return reader.TokenType switch
        {
            JsonTokenType.PropertyName => true,
            JsonTokenType.EndObject => false,
            _ => throw new JsonException($"Expected a property name, found {reader.TokenType}."),
        };
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (!reader.Read() || reader.TokenType != type)
        {
            throw new JsonException($"Expected {type} at the start of a chunk.");
        }
    }

    private static string? StringOrNull(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"Expected a string or null, found {reader.TokenType}."),
    };

    private static long? Count(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Number => reader.GetInt64(),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"Expected a number, found {reader.TokenType}."),
    };
}
