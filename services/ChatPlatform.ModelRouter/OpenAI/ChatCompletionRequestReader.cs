using System.Text.Json;
using ChatPlatform.ModelRouter.Routing;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.OpenAI;

/// <summary>A request to POST /v1/chat/completions, validated and turned into the router's terms.</summary>
public sealed record ChatCompletionRequest(RouteRequest Route, bool IncludeUsage)
{
    public bool Stream => Route.Streamed;
}

/// <summary>
/// Reads OpenAI's chat completion request by hand rather than by binding, so that every wrong field is answered with
/// OpenAI's error naming it (<c>param</c>), and unknown fields are ignored as OpenAI's own clients expect. Tools, tool
/// calls and tool results are read in <c>ChatCompletionRequestReader.Tools.cs</c>, the response format in
/// <c>ChatCompletionRequestReader.ResponseFormat.cs</c>, reasoning effort and the fields refused in
/// <c>ChatCompletionRequestReader.Unsupported.cs</c>.
/// </summary>
public static partial class ChatCompletionRequestReader
{
    public static ChatCompletionRequest Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("The request body must be a JSON object.", null);
        }
        var model = RequiredString(root, "model");
        if (!root.TryGetProperty("messages", out var messagesJson) || messagesJson.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("'messages' is required and must be an array.", "messages");
        }
        if (messagesJson.GetArrayLength() == 0)
        {
            throw Invalid("'messages' must contain at least one message.", "messages");
        }
        var messages = new List<ChatMessage>();
        var index = 0;
        foreach (var message in messagesJson.EnumerateArray())
        {
            messages.Add(ReadMessage(message, $"messages[{index++}]"));
        }

        var options = new ChatOptions
        {
            MaxOutputTokens = OptionalPositiveInt(root, "max_completion_tokens") ?? OptionalPositiveInt(root, "max_tokens"),
            Temperature = OptionalNumber(root, "temperature", 0, 2),
            TopP = OptionalNumber(root, "top_p", 0, 1),
            FrequencyPenalty = OptionalNumber(root, "frequency_penalty", -2, 2),
            PresencePenalty = OptionalNumber(root, "presence_penalty", -2, 2),
            Seed = OptionalLong(root, "seed"),
            StopSequences = ReadStop(root),
            AllowMultipleToolCalls = OptionalBool(root, "parallel_tool_calls"),
        };
        options.Tools = ReadTools(root);
        options.ToolMode = ReadToolChoice(root, options.Tools);
        options.ResponseFormat = ReadResponseFormat(root, options);
        options.Reasoning = ReadReasoningEffort(root, options);
        RefuseUnsupported(root);
        if (OptionalLong(root, "n") is { } n && n != 1)
        {
            throw Invalid("Only one choice is supported: 'n' must be 1.", "n");
        }
        OptionalString(root, "user");

        var stream = OptionalBool(root, "stream") ?? false;
        var includeUsage = false;
        if (root.TryGetProperty("stream_options", out var streamOptions) && streamOptions.ValueKind != JsonValueKind.Null)
        {
            if (streamOptions.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("'stream_options' must be an object.", "stream_options");
            }
            includeUsage = OptionalBool(streamOptions, "include_usage", "stream_options.include_usage") ?? false;
        }
        return new ChatCompletionRequest(new RouteRequest(model, messages, options, stream), includeUsage);
    }

    private static ChatMessage ReadMessage(JsonElement message, string path)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"'{path}' must be an object.", path);
        }
        var role = RequiredString(message, "role", $"{path}.role") switch
        {
            "system" or "developer" => ChatRole.System,
            "user" => ChatRole.User,
            "assistant" => ChatRole.Assistant,
            "tool" => ChatRole.Tool,
            var other => throw Invalid(
                $"'{other}' is not a valid role for '{path}.role': use system, developer, user, assistant or tool.", $"{path}.role"),
        };
        if (role == ChatRole.Tool)
        {
            return ReadToolResult(message, path);
        }
        var toolCalls = role == ChatRole.Assistant ? ReadToolCalls(message, path) : [];
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            if (role == ChatRole.Assistant)
            {
                return toolCalls.Count > 0 ? new ChatMessage(role, toolCalls) : new ChatMessage(role, string.Empty);
            }
            throw Invalid($"'{path}.content' is required.", $"{path}.content");
        }
        List<AIContent> contents = content.ValueKind switch
        {
            JsonValueKind.String => [new TextContent(content.GetString())],
            JsonValueKind.Array => ReadParts(content, $"{path}.content"),
            _ => throw Invalid($"'{path}.content' must be a string or an array of content parts.", $"{path}.content"),
        };
        contents.AddRange(toolCalls);
        return new ChatMessage(role, contents);
    }

    private static List<AIContent> ReadParts(JsonElement parts, string path)
    {
        var contents = new List<AIContent>();
        var index = 0;
        foreach (var part in parts.EnumerateArray())
        {
            var partPath = $"{path}[{index++}]";
            if (part.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"'{partPath}' must be an object.", partPath);
            }
            switch (RequiredString(part, "type", $"{partPath}.type"))
            {
                case "text":
                    contents.Add(new TextContent(RequiredString(part, "text", $"{partPath}.text", allowEmpty: true)));
                    break;
                case "image_url":
                    if (!part.TryGetProperty("image_url", out var image) || image.ValueKind != JsonValueKind.Object)
                    {
                        throw Invalid($"'{partPath}.image_url' must be an object with a 'url'.", $"{partPath}.image_url");
                    }
                    contents.Add(ReadImage(RequiredString(image, "url", $"{partPath}.image_url.url"), $"{partPath}.image_url.url"));
                    break;
                case var other:
                    throw Invalid($"Content part type '{other}' is not supported: use 'text' or 'image_url'.", $"{partPath}.type");
            }
        }
        return contents;
    }

    private static AIContent ReadImage(string url, string path)
    {
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var data = new DataContent(url);
                if (!data.HasTopLevelMediaType("image"))
                {
                    throw Invalid($"'{path}' must be an image data URL.", path);
                }
                return data;
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                throw Invalid($"'{path}' is not a valid data URL: {e.Message}", path);
            }
        }
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            return new UriContent(uri, ImageMediaType(uri));
        }
        throw Invalid($"'{path}' must be an http(s) URL or a base64 data URL.", path);
    }

    private static string ImageMediaType(Uri uri) => Path.GetExtension(uri.AbsolutePath).ToUpperInvariant() switch
    {
        ".JPG" or ".JPEG" => "image/jpeg",
        ".GIF" => "image/gif",
        ".WEBP" => "image/webp",
        ".PNG" => "image/png",
        _ => "image/*",
    };

    private static IList<string>? ReadStop(JsonElement root)
    {
        if (!root.TryGetProperty("stop", out var stop) || stop.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (stop.ValueKind == JsonValueKind.String)
        {
            return [stop.GetString()!];
        }
        if (stop.ValueKind == JsonValueKind.Array && stop.GetArrayLength() <= 4 && stop.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String))
        {
            return [.. stop.EnumerateArray().Select(s => s.GetString()!)];
        }
        throw Invalid("'stop' must be a string or an array of up to 4 strings.", "stop");
    }

    private static string RequiredString(JsonElement element, string name, string? path = null, bool allowEmpty = false)
    {
        path ??= name;
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw Invalid($"'{path}' is required.", path);
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            throw Invalid($"'{path}' must be a string.", path);
        }
        var text = value.GetString()!;
        return text.Length > 0 || allowEmpty ? text : throw Invalid($"'{path}' must not be empty.", path);
    }

    private static string? OptionalString(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Invalid($"'{name}' must be a string.", name);
    }

    private static bool? OptionalBool(JsonElement element, string name, string? path = null)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Invalid($"'{path ?? name}' must be a boolean.", path ?? name),
        };
    }

    private static float? OptionalNumber(JsonElement element, string name, double minimum, double maximum)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || number < minimum || number > maximum)
        {
            throw Invalid($"'{name}' must be a number from {minimum} to {maximum}.", name);
        }
        return (float)number;
    }

    private static long? OptionalLong(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : throw Invalid($"'{name}' must be an integer.", name);
    }

    private static int? OptionalPositiveInt(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number > 0
            ? number
            : throw Invalid($"'{name}' must be a positive integer.", name);
    }

    private static RoutingException Invalid(string message, string? param) => RoutingException.InvalidRequest(message, param);
}
