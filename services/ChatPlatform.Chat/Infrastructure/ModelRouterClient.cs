using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Identity;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// The model router's OpenAI-compatible API (<c>http://model-router</c>, snake_case JSON): the model list, cached, and
/// chat completions, streamed as server-sent events or whole. Each call carries a service token (the client's
/// <see cref="InternalTokenHandler"/>), acting for the user whose turn or title it is.
/// </summary>
public sealed class ModelRouterClient(IHttpClientFactory httpClientFactory, TimeProvider timeProvider)
{
    public const string HttpClientName = "model-router";

    private static readonly TimeSpan ModelsTimeToLive = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim _modelsLock = new(1, 1);
    private (RouterModels Models, DateTimeOffset FetchedAt)? _models;

    /// <summary>Every model the router lists; cached for a minute.</summary>
    public async Task<RouterModels> ListModelsAsync(CancellationToken cancellationToken)
    {
        if (_models is { } cached && timeProvider.GetUtcNow() - cached.FetchedAt < ModelsTimeToLive)
        {
            return cached.Models;
        }
        await _modelsLock.WaitAsync(cancellationToken);
        try
        {
            if (_models is { } fresh && timeProvider.GetUtcNow() - fresh.FetchedAt < ModelsTimeToLive)
            {
                return fresh.Models;
            }
            using var client = httpClientFactory.CreateClient(HttpClientName);
            using var response = await client.GetAsync("/v1/models", cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new RouterException((int)response.StatusCode, "router_unavailable", "The model router did not list its models.");
            }
            var list = await response.Content.ReadFromJsonAsync<JsonNode>(cancellationToken);
            var models = new Dictionary<string, RouterModel>(StringComparer.Ordinal);
            foreach (var item in list?["data"]?.AsArray() ?? [])
            {
                if (item?["id"]?.GetValue<string>() is { } id)
                {
                    models[id] = new RouterModel(
                        id,
                        item["context_window"]?.GetValue<int>() ?? 8_192,
                        item["max_output_tokens"]?.GetValue<int>() ?? 1_024,
                        item["capabilities"]?["vision"]?.GetValue<bool>() ?? false,
                        item["display_name"]?.GetValue<string>() ?? id,
                        item["tiers"]?.AsArray().Select(t => t?.GetValue<string>()).OfType<string>().ToArray(),
                        item["pricing"]?["input_per_million"]?.GetValue<decimal>() ?? 0m,
                        item["pricing"]?["output_per_million"]?.GetValue<decimal>() ?? 0m,
                        // Reasoning models take no temperature; a catalog that does not say so allows it.
                        item["capabilities"]?["temperature"]?.GetValue<bool>() ?? true);
                }
            }
            var listed = new RouterModels(models, [.. models.Keys]);
            _models = (listed, timeProvider.GetUtcNow());
            return listed;
        }
        finally
        {
            _modelsLock.Release();
        }
    }

    /// <summary>
    /// Streams a completion: text deltas, then the usage chunk. Errors the router answers before the stream (a status and
    /// OpenAI's error JSON) and errors sent inside it (<c>data: {"error": ...}</c>) throw <see cref="RouterException"/>.
    /// The messages are serialized at once: the stream, read for as long as the answer takes, holds none of them.
    /// </summary>
    public IAsyncEnumerable<RouterChunk> StreamAsync(
        Guid userId, string model, IReadOnlyList<RouterMessage> messages, int maxTokens, CancellationToken cancellationToken,
        double? temperature = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Body(model, messages, maxTokens, stream: true, temperature),
        };
        request.Options.Set(InternalTokenHandler.ActingFor, userId);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return SendAndReadAsync(request, cancellationToken);
    }

    private async IAsyncEnumerable<RouterChunk> SendAndReadAsync(HttpRequestMessage request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var client = httpClientFactory.CreateClient(HttpClientName);
        using var disposeRequest = request;
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        // The body (the whole context) was sent before the headers came back; the response would hold it to the end.
        request.Content?.Dispose();
        request.Content = null;
        if (!response.IsSuccessStatusCode)
        {
            throw await ReadErrorAsync(response, cancellationToken);
        }
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        // SseParser hands each event's data to ParseEvent as bytes in its own pooled buffer: no string per token. It
        // holds that one rented buffer (1 KB unless an event is longer) for as long as the answer streams.
        var events = SseParser.Create(new BlankLineAtEndStream(body), static (_, data) => ParseEvent(data));
        await foreach (var item in events.EnumerateAsync(cancellationToken))
        {
            var (chunk, done) = item.Data;
            if (done)
            {
                yield break;
            }
            if (chunk is not null)
            {
                yield return chunk;
            }
        }
        throw new RouterException(502, "stream_incomplete", "The model router's stream ended before the answer was complete.");
    }

    /// <summary>One event's data: a chunk, the end (<c>[DONE]</c>), or neither (a chunk with nothing to pass on).</summary>
    private static (RouterChunk? Chunk, bool Done) ParseEvent(ReadOnlySpan<byte> data)
    {
        data = data.Trim(" \r"u8);
        return data.SequenceEqual("[DONE]"u8) ? (null, true) : (ParseChunk(data), false);
    }

    /// <summary>A short, whole completion (no stream): the answer's text and the router's usage (null when it sent none).</summary>
    public async Task<RouterCompletion> CompleteAsync(
        Guid userId, string model, IReadOnlyList<RouterMessage> messages, int maxTokens, CancellationToken cancellationToken)
    {
        using var client = httpClientFactory.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Body(model, messages, maxTokens, stream: false),
        };
        request.Options.Set(InternalTokenHandler.ActingFor, userId);
        using var response = await client.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ReadErrorAsync(response, cancellationToken);
        }
        var completion = await response.Content.ReadFromJsonAsync<JsonNode>(cancellationToken);
        return new RouterCompletion(
            completion?["choices"]?[0]?["message"]?["content"]?.GetValue<string>() ?? "",
            completion?["usage"] is JsonObject usage ? ParseUsage(usage) : null);
    }

    // Serialized as it is sent, through a pooled buffer: a string and a byte array of the whole context would be one more
    // copy, and a socket keeps a reference to the last array it sent, which would hold the context as long as the answer.
    private static JsonContent Body(string model, IReadOnlyList<RouterMessage> messages, int maxTokens, bool stream, double? temperature = null)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray([.. messages.Select(Message)]),
            ["max_tokens"] = maxTokens,
            ["stream"] = stream,
        };
        if (temperature is { } t)
        {
            body["temperature"] = t;
        }
        if (stream)
        {
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }
        return JsonContent.Create(body);
    }

    /// <summary>Text alone as a string; with images, OpenAI's content parts: the text, then an <c>image_url</c> part per image.</summary>
    private static JsonNode Message(RouterMessage message) => new JsonObject
    {
        ["role"] = message.Role,
        ["content"] = message.Images is not { Count: > 0 } images
            ? message.Content
            : new JsonArray([
                new JsonObject { ["type"] = "text", ["text"] = message.Content },
                .. images.Select(url => (JsonNode)new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = url } }),
            ]),
    };

    private static RouterChunk? ParseChunk(ReadOnlySpan<byte> json)
    {
        var node = JsonNode.Parse(json);
        if (node?["error"] is { } error)
        {
            throw new RouterException(502, error["code"]?.GetValue<string>() ?? error["type"]?.GetValue<string>() ?? "provider_error",
                error["message"]?.GetValue<string>() ?? "The model failed while answering.");
        }
        var choice = node?["choices"]?.AsArray().FirstOrDefault();
        var text = choice?["delta"]?["content"]?.GetValue<string>();
        var finishReason = choice?["finish_reason"]?.GetValue<string>();
        var usage = node?["usage"] is JsonObject u ? ParseUsage(u) : null;
        return text is { Length: > 0 } || finishReason is not null || usage is not null ? new RouterChunk(text, finishReason, usage) : null;
    }

    private static RouterUsage ParseUsage(JsonObject usage)
    {
        var details = usage["chatplatform"];
        return new RouterUsage(
            usage["prompt_tokens"]?.GetValue<long>() ?? 0,
            usage["prompt_tokens_details"]?["cached_tokens"]?.GetValue<long>() ?? 0,
            usage["completion_tokens"]?.GetValue<long>() ?? 0,
            details?["deployment"]?.GetValue<string>() ?? "",
            details?["provider"]?.GetValue<string>() ?? "",
            details?["estimated"]?.GetValue<bool>() ?? details is null,
            details?["cost_usd"]?.GetValue<decimal>() ?? 0m,
            details?["time_to_first_token_ms"]?.GetValue<long>() ?? 0,
            details?["finish_reason"]?.GetValue<string>());
    }

    private static async Task<RouterException> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        try
        {
            var body = await response.Content.ReadFromJsonAsync<JsonNode>(cancellationToken);
            var error = body?["error"];
            return new RouterException(status, error?["code"]?.GetValue<string>() ?? error?["type"]?.GetValue<string>() ?? "router_error",
                error?["message"]?.GetValue<string>() ?? $"The model router answered {status}.");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            return new RouterException(status, "router_error", $"The model router answered {status}.");
        }
    }
}

/// <param name="Vision">The router's <c>capabilities.vision</c>: the model is sent images; without it, their text.</param>
/// <param name="AllowsTemperature">The router's <c>capabilities.temperature</c> (true when absent): false, a turn sends none.</param>
/// <summary>
/// A model the router lists; <see cref="Tiers"/> null when every tier may use it. The prices (US dollars per million
/// tokens, the dearest enabled deployment's) are what a quota reservation holds its worst case at.
/// </summary>
public sealed record RouterModel(
    string Id, int ContextWindow, int MaxOutputTokens, bool Vision = false, string? DisplayName = null, IReadOnlyList<string>? Tiers = null,
    decimal InputPerMillion = 0m, decimal OutputPerMillion = 0m, bool AllowsTemperature = true)
{
    public bool AllowsTier(string? tier) => Tiers is null || (tier is not null && Tiers.Contains(tier, StringComparer.Ordinal));
}

/// <summary>The router's model list, by id, and the ids alone (what the database is asked to check a conversation against).</summary>
public sealed record RouterModels(IReadOnlyDictionary<string, RouterModel> Models, IReadOnlyList<string> Ids)
{
    /// <summary>
    /// The models <paramref name="tier"/> may use. Chat's own calls to the router carry a service token without a tier,
    /// so the router cannot refuse them: a turn's model is checked here against its user's tier instead.
    /// </summary>
    public RouterModels For(string? tier)
    {
        var allowed = Models.Values.Where(m => m.AllowsTier(tier)).ToDictionary(m => m.Id, StringComparer.Ordinal);
        return allowed.Count == Models.Count ? this : new RouterModels(allowed, [.. Ids.Where(allowed.ContainsKey)]);
    }
}

/// <summary>A message the model is sent: its text and, on a user message, the data URLs of the images it attached.</summary>
public sealed record RouterMessage(string Role, string Content, IReadOnlyList<string>? Images = null);

public sealed record RouterChunk(string? Text, string? FinishReason, RouterUsage? Usage);

/// <summary>A whole completion: its text and what it used.</summary>
public sealed record RouterCompletion(string Text, RouterUsage? Usage);

public sealed record RouterUsage(
    long InputTokens,
    long CachedInputTokens,
    long OutputTokens,
    string Deployment,
    string Provider,
    bool Estimated,
    decimal CostUsd,
    long TimeToFirstTokenMs,
    string? FinishReason);

/// <summary>An error the router answered (its status and OpenAI's error code and message) or a broken stream.</summary>
public sealed class RouterException(int statusCode, string code, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string Code { get; } = code;
}
