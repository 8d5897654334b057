using System.Net.Http.Json;

namespace ChatPlatform.Chat.Infrastructure;

public sealed partial class IngestionClient
{
    /// <summary>
    /// Vectors of <paramref name="texts"/> from ingestion's embedding model (<c>POST /internal/embeddings</c>), with the
    /// model's key. Throws <see cref="HttpRequestException"/> when ingestion does not answer with one vector a text.
    /// </summary>
    public async Task<TextEmbeddings> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        using var client = httpClientFactory.CreateClient(HttpClientName);
        using var response = await client.PostAsJsonAsync("/internal/embeddings", new { texts }, JsonDefaults.Options, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"Ingestion answered {(int)response.StatusCode} to embeddings.", null, response.StatusCode);
        }
        var body = await response.Content.ReadFromJsonAsync<TextEmbeddings>(JsonDefaults.Options, cancellationToken);
        return body is { Model.Length: > 0, Vectors: { } vectors } && vectors.Count == texts.Count && vectors.All(v => v is { Length: TextEmbeddings.Dimensions })
            ? body
            : throw new HttpRequestException("Ingestion's embeddings did not hold one vector of 384 numbers a text.");
    }
}

/// <summary>One vector a text, in order, and the key of the model that made them.</summary>
public sealed record TextEmbeddings(string Model, IReadOnlyList<float[]> Vectors)
{
    /// <summary>The size of <c>chat.search_entries.embedding</c> (and of ingestion's model).</summary>
    public const int Dimensions = 384;
}
