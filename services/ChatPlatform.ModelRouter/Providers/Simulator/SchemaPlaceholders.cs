using System.Text.Json;

namespace ChatPlatform.ModelRouter.Providers.Simulator;

/// <summary>
/// Deterministic values that fit a JSON schema, for the simulator's tool arguments and JSON answers: strings
/// <c>"simulated"</c>, numbers 1, booleans true, an enum's first value, arrays empty, objects filled the same way.
/// </summary>
internal static class SchemaPlaceholders
{
    public const string Text = "simulated";

    private const int MaxDepth = 4;

    /// <summary>An object with the schema's properties (only its required ones when <paramref name="requiredOnly"/>).</summary>
    public static Dictionary<string, object?> Object(JsonElement schema, bool requiredOnly, int depth = 0)
    {
        var result = new Dictionary<string, object?>();
        if (depth >= MaxDepth || schema.ValueKind != JsonValueKind.Object
            || !schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return result;
        }
        var required = schema.TryGetProperty("required", out var names) && names.ValueKind == JsonValueKind.Array
            ? names.EnumerateArray().Where(n => n.ValueKind == JsonValueKind.String).Select(n => n.GetString()!).ToHashSet()
            : [];
        foreach (var property in properties.EnumerateObject())
        {
            if (!requiredOnly || required.Contains(property.Name))
            {
                result[property.Name] = Value(property.Value, requiredOnly, depth + 1);
            }
        }
        return result;
    }

    private static object? Value(JsonElement schema, bool requiredOnly, int depth)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return Text;
        }
        if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0)
        {
            return values[0].Clone();
        }
        var type = schema.TryGetProperty("type", out var declared) && declared.ValueKind == JsonValueKind.String ? declared.GetString() : null;
        return type switch
        {
            "integer" or "number" => 1,
            "boolean" => true,
            "array" => Array.Empty<object>(),
            "object" => Object(schema, requiredOnly, depth),
            _ => Text,
        };
    }
}
