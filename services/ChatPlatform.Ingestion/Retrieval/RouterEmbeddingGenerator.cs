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
        var usages = new List<RouterEmbeddingUsage>();
        foreach (var batch in texts.Chunk(processingOptions.Value.EmbeddingBatchSize))
        {
            var (vectors, usage) = await EmbedBatchAsync(client, settings, batch, cancellationToken);
            result.AddRange(vectors.Select(v => new Embedding<float>(v) { ModelId = settings.Model }));
            result.Usage.InputTokenCount += usage.InputTokens;
            usages.Add(usage);
        }
        result.Usage.TotalTokenCount = result.Usage.InputTokenCount;
        result.AdditionalProperties = new() { [RouterEmbeddingUsage.PropertyName] = RouterEmbeddingUsage.Sum(usages) };
        return result;
    }

    private static async Task<(float[][] Vectors, RouterEmbeddingUsage Usage)> EmbedBatchAsync(
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
        return (vectors, ReadUsage(body.RootElement, settings.Model!, batch));
    }

    /// <summary>
    /// The router's usage and its <c>chatplatform</c> figures. Without them (a router that sent none) the tokens are
    /// estimated from the text (about 4 characters a token) and the deployment is unknown, for billing to price.
    /// </summary>
    private static RouterEmbeddingUsage ReadUsage(JsonElement answer, string model, string[] batch)
    {
        var hasUsage = answer.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object;
        var tokens = hasUsage && usage.TryGetProperty("prompt_tokens", out var prompt) && prompt.TryGetInt64(out var count) ? count : (long?)null;
        if (hasUsage && usage.TryGetProperty("chatplatform", out var details) && details.ValueKind == JsonValueKind.Object
            && Text(details, "deployment") is { Length: > 0 } deployment)
        {
            return new RouterEmbeddingUsage(
                model, deployment, Text(details, "provider") is { Length: > 0 } provider ? provider : RouterEmbeddingUsage.Unknown,
                tokens ?? Estimate(batch),
                tokens is null || (details.TryGetProperty("estimated", out var estimated) && estimated.ValueKind == JsonValueKind.True),
                details.TryGetProperty("cost_usd", out var cost) && cost.TryGetDecimal(out var usd) && usd >= 0 ? usd : 0m,
                details.TryGetProperty("duration_ms", out var duration) && duration.TryGetInt64(out var ms) ? ms : 0);
        }
        return new RouterEmbeddingUsage(
            model, RouterEmbeddingUsage.Unknown, RouterEmbeddingUsage.Unknown, tokens ?? Estimate(batch), Estimated: true, 0m, 0);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long Estimate(string[] batch) => batch.Sum(t => (t.Length + 3L) / 4);

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
