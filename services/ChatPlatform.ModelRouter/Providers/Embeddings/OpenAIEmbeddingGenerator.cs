using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using ChatPlatform.ModelRouter.Model;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Providers.Embeddings;

/// <summary>
/// OpenAI's <c>POST /embeddings</c> wire format, as OpenAI, Azure OpenAI and OpenAI-compatible servers speak it. Asks
/// for floats (every compatible server supports them) and reads base64 too, for servers that answer with it anyway.
/// An error answer becomes a <see cref="ProviderException"/> with the provider's status, message and Retry-After.
/// </summary>
public sealed class OpenAIEmbeddingGenerator(
    HttpClient http, Uri requestUri, (string Name, string Value)? authorization, string providerModel, ProviderKind provider)
    : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new(RouterProviderName(provider), requestUri, providerModel);

    public static (string, string) Bearer(string key) => ("Authorization", $"Bearer {key}");

    public static (string, string) ApiKeyHeader(string key) => ("api-key", key);

    /// <summary><c>https://api.openai.com/v1</c> becomes <c>https://api.openai.com/v1/embeddings</c>.</summary>
    public static Uri EmbeddingsUri(Uri baseUri) => new(baseUri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/embeddings");

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var inputs = values as IReadOnlyList<string> ?? [.. values];
        using var request = new HttpRequestMessage(HttpMethod.Post, requestUri) { Content = new ByteArrayContent(RequestBody(inputs, options)) };
        request.Content.Headers.ContentType = new("application/json");
        if (authorization is { } header)
        {
            request.Headers.TryAddWithoutValidation(header.Name, header.Value);
        }
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw ProviderErrors.Classify(e, provider);
        }
        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw ProviderErrors.FromResponse((int)response.StatusCode, response.Headers, System.Text.Encoding.UTF8.GetString(body), provider);
            }
            return Read(body, inputs.Count, provider);
        }
    }

    private byte[] RequestBody(IReadOnlyList<string> inputs, EmbeddingGenerationOptions? options)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", options?.ModelId ?? providerModel);
            json.WriteStartArray("input");
            foreach (var input in inputs)
            {
                json.WriteStringValue(input);
            }
            json.WriteEndArray();
            json.WriteString("encoding_format", "float");
            if (options?.Dimensions is { } dimensions)
            {
                json.WriteNumber("dimensions", dimensions);
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The vectors in input order, whatever order the provider listed them in; usage when it reported any.</summary>
    internal static GeneratedEmbeddings<Embedding<float>> Read(ReadOnlySpan<byte> body, int expected, ProviderKind provider)
    {
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            var root = document.RootElement;
            var vectors = new float[expected][];
            foreach (var item in root.GetProperty("data").EnumerateArray())
            {
                var index = item.GetProperty("index").GetInt32();
                if (index < 0 || index >= expected || vectors[index] is not null)
                {
                    throw Unreadable(provider, $"an embedding at index {index} for {expected} inputs");
                }
                vectors[index] = ReadVector(item.GetProperty("embedding"));
            }
            if (Array.FindIndex(vectors, v => v is null) is var missing and >= 0)
            {
                throw Unreadable(provider, $"no embedding for input {missing}");
            }
            var embeddings = new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v)));
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object
                && usage.TryGetProperty("prompt_tokens", out var prompt) && prompt.TryGetInt64(out var promptTokens))
            {
                embeddings.Usage = new UsageDetails
                {
                    InputTokenCount = promptTokens,
                    TotalTokenCount = usage.TryGetProperty("total_tokens", out var total) && total.TryGetInt64(out var totalTokens) ? totalTokens : promptTokens,
                };
            }
            return embeddings;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ProviderException($"{provider} sent an embeddings response that could not be read: {e.Message}", statusCode: null, isTransient: true, innerException: e);
        }
    }

    private static float[] ReadVector(JsonElement embedding)
    {
        if (embedding.ValueKind == JsonValueKind.String)
        {
            var bytes = Convert.FromBase64String(embedding.GetString()!);
            if (bytes.Length % sizeof(float) != 0)
            {
                throw new FormatException("A base64 embedding is not a whole number of floats.");
            }
            return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        }
        var vector = new float[embedding.GetArrayLength()];
        var i = 0;
        foreach (var value in embedding.EnumerateArray())
        {
            vector[i++] = value.GetSingle();
        }
        return vector;
    }

    private static ProviderException Unreadable(ProviderKind provider, string what) =>
        new($"{provider} answered with {what}.", statusCode: null, isTransient: true);

    private static string RouterProviderName(ProviderKind provider) => Routing.RouterTelemetry.ProviderName(provider);

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
