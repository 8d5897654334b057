using System.Text.Json.Serialization;

namespace ChatPlatform.ModelRouter.OpenAI;

// The response side of POST /v1/embeddings, as OpenAI's API writes it.

public sealed record EmbeddingList(IReadOnlyList<EmbeddingItem> Data, string Model, EmbeddingUsage Usage)
{
    [JsonPropertyOrder(-1)]
    public string Object => "list";
}

/// <summary><see cref="Embedding"/> is a float array, or a base64 string of little-endian float32s when asked for.</summary>
public sealed record EmbeddingItem(int Index, object Embedding)
{
    [JsonPropertyOrder(-1)]
    public string Object => "embedding";
}

public sealed record EmbeddingUsage(
    long PromptTokens,
    long TotalTokens,
    [property: JsonPropertyName("chatplatform")] EmbeddingUsageDetails Chatplatform);

/// <summary>Ours, beside OpenAI's fields, as for chat completions; OpenAI clients ignore it.</summary>
public sealed record EmbeddingUsageDetails(string Deployment, string Provider, bool Estimated, decimal CostUsd, long DurationMs);
