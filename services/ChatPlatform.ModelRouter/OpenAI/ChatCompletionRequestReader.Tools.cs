using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.OpenAI;

/// <summary>
/// Function calling in OpenAI's names: <c>tools</c> (functions with a JSON schema), <c>tool_choice</c>, an assistant
/// message's <c>tool_calls</c> and a <c>tool</c> message's result. Each becomes its Microsoft.Extensions.AI form
/// (<see cref="AIFunctionDeclaration"/>, <see cref="ChatToolMode"/>, <see cref="FunctionCallContent"/>,
/// <see cref="FunctionResultContent"/>), which every provider adapter maps to its own API.
/// </summary>
public static partial class ChatCompletionRequestReader
{
    /// <summary>OpenAI's limit on the number of tools in one request.</summary>
    public const int MaxTools = 128;

    [GeneratedRegex(@"\A[a-zA-Z0-9_-]{1,64}\z")]
    private static partial Regex FunctionName();

    private static List<AITool>? ReadTools(JsonElement root)
    {
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (tools.ValueKind != JsonValueKind.Array || tools.GetArrayLength() > MaxTools)
        {
            throw Invalid($"'tools' must be an array of up to {MaxTools} functions.", "tools");
        }
        var declarations = new List<AITool>();
        var index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var path = $"tools[{index++}]";
            if (tool.ValueKind != JsonValueKind.Object || RequiredString(tool, "type", $"{path}.type") != "function")
            {
                throw Invalid($"'{path}' must be an object of type 'function'.", path);
            }
            if (!tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"'{path}.function' must be an object with a 'name'.", $"{path}.function");
            }
            var name = ReadFunctionName(function, $"{path}.function.name");
            if (declarations.Any(d => d.Name == name))
            {
                throw Invalid($"The function '{name}' is declared twice.", $"{path}.function.name");
            }
            var description = function.TryGetProperty("description", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
            var parameters = ReadParameters(function, $"{path}.function.parameters");
            var declaration = AIFunctionFactory.CreateDeclaration(name, description, parameters);
            declarations.Add(OptionalBool(function, "strict", $"{path}.function.strict") is { } strict
                ? new StrictFunctionDeclaration(declaration, strict)
                : declaration);
        }
        return declarations.Count > 0 ? declarations : null;
    }

    // A JSON schema object; a function without parameters takes an empty object. Cloned: the request's document is
    // released once it has been read.
    private static JsonElement ReadParameters(JsonElement function, string path)
    {
        if (!function.TryGetProperty("parameters", out var parameters) || parameters.ValueKind == JsonValueKind.Null)
        {
            return EmptyParameters;
        }
        return parameters.ValueKind == JsonValueKind.Object
            ? parameters.Clone()
            : throw Invalid($"'{path}' must be a JSON schema object.", path);
    }

    private static readonly JsonElement EmptyParameters = JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement.Clone();

    private static ChatToolMode? ReadToolChoice(JsonElement root, IList<AITool>? tools)
    {
        if (!root.TryGetProperty("tool_choice", out var choice) || choice.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (tools is null)
        {
            throw Invalid("'tool_choice' needs 'tools' to choose from.", "tool_choice");
        }
        if (choice.ValueKind == JsonValueKind.String)
        {
            return choice.GetString() switch
            {
                "none" => ChatToolMode.None,
                "auto" => ChatToolMode.Auto,
                "required" => ChatToolMode.RequireAny,
                var other => throw Invalid($"'{other}' is not a valid 'tool_choice': use none, auto, required or a function.", "tool_choice"),
            };
        }
        if (choice.ValueKind == JsonValueKind.Object
            && choice.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
        {
            var name = ReadFunctionName(function, "tool_choice.function.name");
            return tools.Any(t => t.Name == name)
                ? ChatToolMode.RequireSpecific(name)
                : throw Invalid($"'tool_choice' names the function '{name}', which 'tools' does not declare.", "tool_choice.function.name");
        }
        throw Invalid("'tool_choice' must be none, auto, required or {\"type\": \"function\", \"function\": {\"name\": …}}.", "tool_choice");
    }

    private static List<AIContent> ReadToolCalls(JsonElement message, string path)
    {
        if (!message.TryGetProperty("tool_calls", out var calls) || calls.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (calls.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"'{path}.tool_calls' must be an array.", $"{path}.tool_calls");
        }
        var contents = new List<AIContent>();
        var index = 0;
        foreach (var call in calls.EnumerateArray())
        {
            var callPath = $"{path}.tool_calls[{index++}]";
            if (call.ValueKind != JsonValueKind.Object
                || !call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"'{callPath}' must be an object with an 'id' and a 'function'.", callPath);
            }
            var id = RequiredString(call, "id", $"{callPath}.id");
            var name = ReadFunctionName(function, $"{callPath}.function.name");
            var arguments = RequiredString(function, "arguments", $"{callPath}.function.arguments", allowEmpty: true);
            var toolCall = ToolCalls.Create(id, name, arguments);
            contents.Add(toolCall.Arguments is not null
                ? toolCall
                : throw Invalid($"'{callPath}.function.arguments' must be a JSON object, as a string.", $"{callPath}.function.arguments"));
        }
        return contents;
    }

    // {"role": "tool", "tool_call_id": …, "content": "…" or text parts}: the result of the call with that id.
    private static ChatMessage ReadToolResult(JsonElement message, string path)
    {
        var callId = RequiredString(message, "tool_call_id", $"{path}.tool_call_id");
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            throw Invalid($"'{path}.content' is required.", $"{path}.content");
        }
        var result = content.ValueKind switch
        {
            JsonValueKind.String => content.GetString()!,
            JsonValueKind.Array => string.Concat(ReadParts(content, $"{path}.content").Select(part => part is TextContent text
                ? text.Text
                : throw Invalid($"'{path}.content' of a tool message may hold text parts only.", $"{path}.content"))),
            _ => throw Invalid($"'{path}.content' must be a string or an array of text parts.", $"{path}.content"),
        };
        return new ChatMessage(ChatRole.Tool, [new FunctionResultContent(callId, result)]);
    }

    private static string ReadFunctionName(JsonElement function, string path)
    {
        var name = RequiredString(function, "name", path);
        return FunctionName().IsMatch(name)
            ? name
            : throw Invalid($"'{path}' must be 1 to 64 letters, digits, underscores or dashes.", path);
    }
}
