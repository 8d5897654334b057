using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Providers.Simulator;

/// <summary>
/// The simulator's function calling, deterministic so that clients can be built and tested offline: given tools (and a
/// tool choice other than none), its answer to a user message is one call of the required function, or else of the
/// first one declared, with each required argument filled from its schema (strings <c>"simulated"</c>, numbers 1,
/// booleans true, an enum's first value); its answer to tool results is text.
/// </summary>
internal static class SimulatedToolCall
{
    public const string PlaceholderText = "simulated";

    /// <summary>The call to make, or null when the answer is text.</summary>
    public static FunctionCallContent? For(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        if (options?.Tools is not { Count: > 0 } tools || options.ToolMode is NoneChatToolMode
            || messages.Count == 0 || messages[^1].Role != ChatRole.User)
        {
            return null;
        }
        var required = (options.ToolMode as RequiredChatToolMode)?.RequiredFunctionName;
        var function = tools.OfType<AIFunctionDeclaration>().FirstOrDefault(f => required is null || f.Name == required);
        if (function is null)
        {
            return null;
        }
        var arguments = new Dictionary<string, object?>();
        var schema = function.JsonSchema;
        if (schema.ValueKind == JsonValueKind.Object
            && schema.TryGetProperty("required", out var names) && names.ValueKind == JsonValueKind.Array
            && schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var name in names.EnumerateArray().Where(n => n.ValueKind == JsonValueKind.String).Select(n => n.GetString()!))
            {
                arguments[name] = properties.TryGetProperty(name, out var property) ? Placeholder(property) : PlaceholderText;
            }
        }
        return new FunctionCallContent($"call_sim_{Guid.NewGuid():N}", function.Name, arguments);
    }

    private static object? Placeholder(JsonElement property)
    {
        if (property.ValueKind != JsonValueKind.Object)
        {
            return PlaceholderText;
        }
        if (property.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0)
        {
            return values[0].Clone();
        }
        var type = property.TryGetProperty("type", out var declared) && declared.ValueKind == JsonValueKind.String ? declared.GetString() : null;
        return type switch
        {
            "integer" or "number" => 1,
            "boolean" => true,
            "array" => Array.Empty<object>(),
            "object" => new Dictionary<string, object?>(),
            _ => PlaceholderText,
        };
    }
}
