using System.Text.Json.Serialization;

namespace ChatPlatform.ModelRouter.Model;

/// <param name="EmbeddingDimensions">
/// Set for an embedding model (served by <c>POST /v1/embeddings</c>, never by chat completions): the length of the
/// vectors it returns when a request names no <c>dimensions</c>.
/// </param>
public sealed record ModelCapabilities(bool Vision = false, bool Tools = false, int? EmbeddingDimensions = null)
{
    [JsonIgnore]
    public bool Embeddings => EmbeddingDimensions is not null;
}
