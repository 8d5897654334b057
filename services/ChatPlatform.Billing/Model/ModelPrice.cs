namespace ChatPlatform.Billing.Model;

/// <summary>A model's prices in US dollars per million tokens, as the router's catalog lists them.</summary>
public sealed record ModelPrice(decimal InputPerMillion, decimal CachedInputPerMillion, decimal OutputPerMillion)
{
    /// <summary>The router's own formula (Pricing.CostOf): cached prompt tokens at the cached price, the rest at the input price.</summary>
    public decimal CostOf(long inputTokens, long cachedInputTokens, long outputTokens) =>
        (((inputTokens - cachedInputTokens) * InputPerMillion) + (cachedInputTokens * CachedInputPerMillion) + (outputTokens * OutputPerMillion))
        / 1_000_000m;
}
