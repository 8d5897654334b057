using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Identity;
using ChatPlatform.Quotas;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// The quota check of <c>POST /v1/chat/completions</c> and <c>POST /v1/embeddings</c> (docs/usage.md "Quotas"): a completion's worst case is the request sent
/// (four bytes of it a token) plus the output asked for (<c>max_completion_tokens</c> or <c>max_tokens</c>, at most the
/// model's maximum; the maximum when absent), at the model's prices from the router's <c>GET /v1/models</c> (the list
/// the caller's tier sees, cached a minute). A model the router does not list is let through: the router refuses it.
/// </summary>
public sealed partial class CompletionQuotas(QuotaGate gate, UpstreamClient upstream, TimeProvider time, ILogger<CompletionQuotas> logger)
{
    private static readonly TimeSpan ModelsTimeToLive = TimeSpan.FromMinutes(1);
    private static readonly JsonSerializerOptions ErrorJson = new(JsonSerializerOptions.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    // Read without the lock by every request: concurrent-safe.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (IReadOnlyDictionary<string, ModelLimits> Models, DateTimeOffset FetchedAt)> _models =
        new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _fetch = new(1, 1);

    // Only ids the router answered for are kept (a few embedding models per tier); the bound is against a catalog that churns.
    private const int MaxCachedEmbeddingModels = 256;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Tier, string Model), (ModelLimits Model, DateTimeOffset FetchedAt)> _embeddingModels = new();

    /// <param name="bodyBytes">The size of the request as it goes to the router: its prompt cannot be larger.</param>
    public async Task<ReserveResult> ReserveAsync(ClaimsPrincipal user, JsonObject body, int bodyBytes, CancellationToken cancellationToken)
    {
        if (user.UserId() is not { } userId || ModelOf(body) is not { } modelId)
        {
            return new ReserveResult.Reserved(null);
        }
        var tier = user.FindFirstValue(GatewayClaims.Tier);
        var models = await ModelsAsync(user, tier ?? "", cancellationToken);
        if (models is null || !models.TryGetValue(modelId, out var model))
        {
            return new ReserveResult.Reserved(null);
        }
        var asked = Whole(body["max_completion_tokens"]) ?? Whole(body["max_tokens"]);
        var output = Math.Min(asked is > 0 ? asked.Value : model.MaxOutputTokens, model.MaxOutputTokens);
        var (tokens, cost) = WorstCase.Of(WorstCase.EstimateTokens(bodyBytes), output, model.InputPerMillion, model.OutputPerMillion);
        return await gate.ReserveAsync(userId, tier, model.Id, tokens, cost);
    }

    /// <summary>
    /// The check of <c>POST /v1/embeddings</c>: its input (four bytes of the request a token, as for a completion) at the
    /// model's input price; embeddings have no output. Embedding models are not in the router's list: each is looked up
    /// by id (<c>GET /v1/models/{id}</c>, cached a minute per tier).
    /// </summary>
    public async Task<ReserveResult> ReserveEmbeddingsAsync(ClaimsPrincipal user, JsonObject body, int bodyBytes, CancellationToken cancellationToken)
    {
        if (user.UserId() is not { } userId || ModelOf(body) is not { } modelId)
        {
            return new ReserveResult.Reserved(null);
        }
        var tier = user.FindFirstValue(GatewayClaims.Tier);
        if (await EmbeddingModelAsync(user, tier ?? "", modelId, cancellationToken) is not { } model)
        {
            return new ReserveResult.Reserved(null);
        }
        var (tokens, cost) = WorstCase.Of(WorstCase.EstimateTokens(bodyBytes), 0, model.InputPerMillion, 0m);
        return await gate.ReserveAsync(userId, tier, model.Id, tokens, cost);
    }

    public Task ReleaseAsync(ClaimsPrincipal user, string? reservationId) =>
        user.UserId() is { } userId ? gate.ReleaseAsync(userId, reservationId) : Task.CompletedTask;

    /// <summary>OpenAI's shape for a spent quota (its clients know <c>insufficient_quota</c>), with <c>Retry-After</c>.</summary>
    public async Task WriteRefusalAsync(HttpContext context, QuotaRefusal refusal)
    {
        var now = time.GetUtcNow();
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = refusal.RetryAfterSeconds(now).ToString(CultureInfo.InvariantCulture);
        await context.Response.WriteAsJsonAsync(
            new { error = new { message = refusal.Detail(now), type = "insufficient_quota", code = "quota_exceeded", param = (string?)null } },
            ErrorJson, contentType: "application/json", context.RequestAborted);
    }

    /// <summary>
    /// The model asked for; null when there is none to look up. Invalid UTF-8 in it throws when read (found by the fuzz
    /// suite as a 500): no model is named so, and the router refuses it in OpenAI's words.
    /// </summary>
    private static string? ModelOf(JsonObject body)
    {
        if (body["model"] is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
        {
            return null;
        }
        try
        {
            return value.GetValue<string>();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static long? Whole(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<long>(out var n) ? n : null;

    private async Task<ModelLimits?> EmbeddingModelAsync(ClaimsPrincipal user, string tier, string modelId, CancellationToken cancellationToken)
    {
        var key = (tier, modelId);
        if (_embeddingModels.TryGetValue(key, out var cached) && time.GetUtcNow() - cached.FetchedAt < ModelsTimeToLive)
        {
            return cached.Model;
        }
        try
        {
            // Each segment escaped, the slashes kept: the router's route takes an id with slashes as it is written.
            var path = "/v1/models/" + string.Join('/', modelId.Split('/').Select(Uri.EscapeDataString));
            using var request = upstream.CreateRequest(Upstreams.ModelRouter, HttpMethod.Get, path);
            request.Headers.Authorization = UpstreamClient.Bearer(upstream.InternalTokenFor(user)!);
            using var invoker = upstream.CreateInvoker(Upstreams.ModelRouter);
            using var response = await invoker.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                // Not cached: a model the router does not know is refused by the router in OpenAI's words.
                return null;
            }
            var item = await response.Content.ReadFromJsonAsync<JsonNode>(cancellationToken);
            if (item?["id"]?.GetValue<string>() != modelId)
            {
                return null;
            }
            var model = Read(modelId, item);
            if (_embeddingModels.Count >= MaxCachedEmbeddingModels)
            {
                _embeddingModels.Clear();
            }
            _embeddingModels[key] = (model, time.GetUtcNow());
            return model;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or InvalidOperationException or FormatException)
        {
            LogModelsUnavailable(logger, e.Message);
            return null;
        }
    }

    private static ModelLimits Read(string id, JsonNode item) => new(
        id,
        item["max_output_tokens"]?.GetValue<int>() ?? 4_096,
        item["pricing"]?["input_per_million"]?.GetValue<decimal>() ?? 0m,
        item["pricing"]?["output_per_million"]?.GetValue<decimal>() ?? 0m);

    private async Task<IReadOnlyDictionary<string, ModelLimits>?> ModelsAsync(ClaimsPrincipal user, string tier, CancellationToken cancellationToken)
    {
        if (_models.TryGetValue(tier, out var cached) && time.GetUtcNow() - cached.FetchedAt < ModelsTimeToLive)
        {
            return cached.Models;
        }
        await _fetch.WaitAsync(cancellationToken);
        try
        {
            if (_models.TryGetValue(tier, out cached) && time.GetUtcNow() - cached.FetchedAt < ModelsTimeToLive)
            {
                return cached.Models;
            }
            using var request = upstream.CreateRequest(Upstreams.ModelRouter, HttpMethod.Get, "/v1/models");
            request.Headers.Authorization = UpstreamClient.Bearer(upstream.InternalTokenFor(user)!);
            using var invoker = upstream.CreateInvoker(Upstreams.ModelRouter);
            using var response = await invoker.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }
            var list = await response.Content.ReadFromJsonAsync<JsonNode>(cancellationToken);
            var models = new Dictionary<string, ModelLimits>(StringComparer.Ordinal);
            foreach (var item in list?["data"]?.AsArray() ?? [])
            {
                if (item?["id"]?.GetValue<string>() is { } id)
                {
                    models[id] = Read(id, item);
                }
            }
            _models[tier] = (models, time.GetUtcNow());
            return models;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or InvalidOperationException or FormatException)
        {
            // The relay that follows meets the same router and answers for it.
            LogModelsUnavailable(logger, e.Message);
            return null;
        }
        finally
        {
            _fetch.Release();
        }
    }

    private sealed record ModelLimits(string Id, int MaxOutputTokens, decimal InputPerMillion, decimal OutputPerMillion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The router's model list could not be read for a quota check: {Reason} (not checked)")]
    private static partial void LogModelsUnavailable(ILogger logger, string reason);
}
