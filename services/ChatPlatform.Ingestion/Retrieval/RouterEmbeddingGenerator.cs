using System.Net.Http.Json;
using System.Text.Json;
using ChatPlatform.Ingestion.Processing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Retrieval;

/// <summary>
/// <c>Embeddings:Provider=router</c>: the model router's OpenAI-compatible <c>POST /v1/embeddings</c>, called with a
/// service token, <c>Processing:EmbeddingBatchSize</c> texts a call, asking for <c>Embeddings:Dimensions</c>. Transient
/// failures (429, 5xx, timeouts) are retried by the client's resilience handler; the router itself fails over between
/// the model's deployments.
/// </summary>
public sealed class RouterEmbeddingGenerator(
    IHttpClientFactory httpClientFactory, IOptions<EmbeddingOptions> embeddingOptions, IOptions<ProcessingOptions> processingOptions)
    : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string HttpClientName = "model-router-embeddings";

    private readonly EmbeddingGeneratorMetadata _metadata = new(
        "chatplatform.model-router", new Uri("http://model-router"), embeddingOptions.Value.Model, embeddingOptions.Value.Dimensions);

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var settings = embeddingOptions.Value;
        var texts = values as IReadOnlyList<string> ?? [.. values];
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Count) { Usage = new UsageDetails { InputTokenCount = 0 } };
        using var client = httpClientFactory.CreateClient(HttpClientName);
        foreach (var batch in texts.Chunk(processingOptions.Value.EmbeddingBatchSize))
        {
            var (vectors, promptTokens) = await EmbedBatchAsync(client, settings, batch, cancellationToken);
            result.AddRange(vectors.Select(v => new Embedding<float>(v) { ModelId = settings.Model }));
            result.Usage.InputTokenCount += promptTokens;
        }
        result.Usage.TotalTokenCount = result.Usage.InputTokenCount;
        return result;
    }

    private static async Task<(float[][] Vectors, long PromptTokens)> EmbedBatchAsync(
        HttpClient client, EmbeddingOptions settings, string[] batch, CancellationToken cancellationToken)
    {
        // Empty or whitespace input is refused by OpenAI's API; a chunk that is nothing but spaces still needs a vector.
        var inputs = batch.Select(t => string.IsNullOrWhiteSpace(t) ? "." : t.Replace("\0", "", StringComparison.Ordinal)).ToArray();
        using var response = await client.PostAsJsonAsync(
            "/v1/embeddings", new { model = settings.Model, input = inputs, dimensions = settings.Dimensions }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"The model router answered {(int)response.StatusCode} to embeddings with '{settings.Model}': {await ErrorMessageAsync(response, cancellationToken)}",
                inner: null, response.StatusCode);
        }
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        var vectors = new float[batch.Length][];
        foreach (var item in body.RootElement.GetProperty("data").EnumerateArray())
        {
            var index = item.GetProperty("index").GetInt32();
            var vector = item.GetProperty("embedding").Deserialize<float[]>()!;
            if (index < 0 || index >= vectors.Length || vector.Length != settings.Dimensions)
            {
                throw new InvalidOperationException(
                    $"The model router answered an embedding of {vector.Length} dimensions at index {index}; {settings.Dimensions} for {batch.Length} inputs were asked for.");
            }
            vectors[index] = vector;
        }
        if (Array.IndexOf(vectors, null) is var missing and >= 0)
        {
            throw new InvalidOperationException($"The model router answered no embedding for input {missing} of {batch.Length}.");
        }
        var promptTokens = body.RootElement.TryGetProperty("usage", out var usage) && usage.TryGetProperty("prompt_tokens", out var tokens) ? tokens.GetInt64() : 0;
        return (vectors, promptTokens);
    }

    // The router answers in OpenAI's error shape; its message says what was wrong (an unknown model, a bad dimension).
    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.GetProperty("error").GetProperty("message").GetString() ?? text;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return text.Length > 300 ? text[..300] : text;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
