using System.Text.Json;
using ChatPlatform.ModelRouter.Routing;

namespace ChatPlatform.ModelRouter.OpenAI;

/// <summary>A request to POST /v1/embeddings, validated; <see cref="Base64"/> is how the vectors go back.</summary>
public sealed record EmbeddingsApiRequest(EmbeddingRequest Route, bool Base64);

/// <summary>
/// Reads OpenAI's embeddings request by hand, as <see cref="ChatCompletionRequestReader"/> does, so every wrong field is
/// answered with OpenAI's error naming it; unknown fields are ignored as OpenAI's clients expect.
/// </summary>
public static class EmbeddingRequestReader
{
    /// <summary>OpenAI's own limit on the inputs of one request.</summary>
    public const int MaxInputs = 2048;

    public static EmbeddingsApiRequest Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("The request body must be a JSON object.", null);
        }
        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String || model.GetString() is not { Length: > 0 } modelId)
        {
            throw Invalid("'model' is required and must be a non-empty string.", "model");
        }
        var inputs = ReadInputs(root);
        var base64 = false;
        if (root.TryGetProperty("encoding_format", out var format) && format.ValueKind != JsonValueKind.Null)
        {
            base64 = format.ValueKind == JsonValueKind.String ? format.GetString() switch
            {
                "float" => false,
                "base64" => true,
                _ => throw Invalid("'encoding_format' must be \"float\" or \"base64\".", "encoding_format"),
            } : throw Invalid("'encoding_format' must be \"float\" or \"base64\".", "encoding_format");
        }
        int? dimensions = null;
        if (root.TryGetProperty("dimensions", out var dims) && dims.ValueKind != JsonValueKind.Null)
        {
            dimensions = dims.ValueKind == JsonValueKind.Number && dims.TryGetInt32(out var value) && value >= 1
                ? value
                : throw Invalid("'dimensions' must be a positive integer.", "dimensions");
        }
        if (root.TryGetProperty("user", out var user) && user.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
        {
            throw Invalid("'user' must be a string.", "user");
        }
        return new EmbeddingsApiRequest(new EmbeddingRequest(modelId, inputs, dimensions), base64);
    }

    private static List<string> ReadInputs(JsonElement root)
    {
        if (!root.TryGetProperty("input", out var input))
        {
            throw Invalid("'input' is required: a string or an array of strings.", "input");
        }
        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                return [CheckText(input.GetString()!, "input")];
            case JsonValueKind.Array:
                var count = input.GetArrayLength();
                if (count == 0)
                {
                    throw Invalid("'input' must hold at least one string.", "input");
                }
                if (count > MaxInputs)
                {
                    throw Invalid($"'input' holds {count} items; at most {MaxInputs} are allowed in one request.", "input");
                }
                var inputs = new List<string>(count);
                var index = 0;
                foreach (var item in input.EnumerateArray())
                {
                    inputs.Add(item.ValueKind switch
                    {
                        JsonValueKind.String => CheckText(item.GetString()!, $"input[{index}]"),
                        // OpenAI also takes token arrays, which mean something only to one tokenizer; the router spans providers.
                        JsonValueKind.Number or JsonValueKind.Array => throw Invalid(
                            $"'input[{index}]' is not a string: token arrays are not supported here; send text.", $"input[{index}]"),
                        _ => throw Invalid($"'input[{index}]' must be a string.", $"input[{index}]"),
                    });
                    index++;
                }
                return inputs;
            default:
                throw Invalid("'input' must be a string or an array of strings.", "input");
        }
    }

    private static string CheckText(string text, string param)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Invalid($"'{param}' must not be empty.", param);
        }
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw Invalid($"'{param}' contains a NUL character.", param);
        }
        return text;
    }

    private static RoutingException Invalid(string message, string? param) => RoutingException.InvalidRequest(message, param, "invalid_value");
}
