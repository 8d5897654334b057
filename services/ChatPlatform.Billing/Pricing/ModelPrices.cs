using System.Text.Json.Serialization;
using ChatPlatform.Billing.Model;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Billing.Pricing;

/// <summary>
/// The models' prices, read from the router's <c>GET /v1/models</c> with a service token and cached
/// (<see cref="PricingOptions.CacheDuration"/>). A model's price there is, per kind of token, the dearest of its enabled
/// deployments: an answer whose deployment is unknown is never priced below what it may have cost. The router
/// unreachable throws, so the consumer retries the event rather than pricing it at 0.
/// </summary>
public sealed partial class ModelPrices(
    IHttpClientFactory clients, IOptions<PricingOptions> options, TimeProvider time, ILogger<ModelPrices> logger)
{
    public const string HttpClientName = "model-router";

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private Snapshot? _current;

    /// <summary>The model's price now; null when the catalog does not list it (removed, disabled or never known).</summary>
    public async Task<ModelPrice?> FindAsync(string model, CancellationToken cancellationToken)
    {
        var snapshot = _current;
        var now = time.GetUtcNow();
        if (snapshot is null || now - snapshot.LoadedAt >= options.Value.CacheDuration)
        {
            snapshot = await RefreshAsync(snapshot, cancellationToken);
        }
        if (snapshot.Prices.TryGetValue(model, out var price))
        {
            return price;
        }
        // A model added since the last read is found on the next one.
        if (now - snapshot.LoadedAt >= options.Value.MissRefreshInterval)
        {
            snapshot = await RefreshAsync(snapshot, cancellationToken);
            if (snapshot.Prices.TryGetValue(model, out price))
            {
                return price;
            }
        }
        LogUnknownModel(logger, model);
        return null;
    }

    private async Task<Snapshot> RefreshAsync(Snapshot? seen, CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            // Another caller refreshed while this one waited.
            if (_current is { } current && !ReferenceEquals(current, seen))
            {
                return current;
            }
            using var response = await clients.CreateClient(HttpClientName).GetAsync("/v1/models", cancellationToken);
            response.EnsureSuccessStatusCode();
            var list = await response.Content.ReadFromJsonAsync<RouterModelList>(cancellationToken)
                ?? throw new InvalidOperationException("The router's model list was empty.");
            var prices = list.Data
                .Where(m => m.Pricing is not null)
                .ToDictionary(m => m.Id, m => new ModelPrice(m.Pricing!.InputPerMillion, m.Pricing.CachedInputPerMillion, m.Pricing.OutputPerMillion), StringComparer.Ordinal);
            return _current = new Snapshot(prices, time.GetUtcNow());
        }
        finally
        {
            _refresh.Release();
        }
    }

    private sealed record Snapshot(IReadOnlyDictionary<string, ModelPrice> Prices, DateTimeOffset LoadedAt);

    private sealed record RouterModelList([property: JsonPropertyName("data")] IReadOnlyList<RouterModel> Data);

    private sealed record RouterModel([property: JsonPropertyName("id")] string Id, [property: JsonPropertyName("pricing")] RouterPricing? Pricing);

    private sealed record RouterPricing(
        [property: JsonPropertyName("input_per_million")] decimal InputPerMillion,
        [property: JsonPropertyName("cached_input_per_million")] decimal CachedInputPerMillion,
        [property: JsonPropertyName("output_per_million")] decimal OutputPerMillion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} is not in the router's catalog: its answer is recorded unpriced")]
    private static partial void LogUnknownModel(ILogger logger, string model);
}
