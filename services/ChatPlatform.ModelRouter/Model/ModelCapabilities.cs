using System.Text.Json.Serialization;

namespace ChatPlatform.ModelRouter.Model;

/// <param name="EmbeddingDimensions">
/// Set for an embedding model (served by <c>POST /v1/embeddings</c>, never by chat completions): the length of the
/// vectors it returns when a request names no <c>dimensions</c>.
/// </param>
/// <param name="Temperature">
/// False for a model that rejects a sampling temperature (OpenAI's o-series and gpt-5 reasoning models): the router
/// drops one sent for it, and chat and the web app offer none.
/// </param>
public sealed record ModelCapabilities(bool Vision = false, bool Tools = false, int? EmbeddingDimensions = null, bool Temperature = true)
{
    [JsonIgnore]
    public bool Embeddings => EmbeddingDimensions is not null;
}
