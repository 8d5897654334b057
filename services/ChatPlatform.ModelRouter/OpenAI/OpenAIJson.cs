using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatPlatform.ModelRouter.OpenAI;

/// <summary>OpenAI's wire format: snake_case names, absent rather than null unless a DTO says otherwise.</summary>
public static class OpenAIJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
