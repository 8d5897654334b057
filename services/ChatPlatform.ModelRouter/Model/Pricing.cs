namespace ChatPlatform.ModelRouter.Model;

/// <summary>Prices in US dollars per million tokens.</summary>
public sealed record Pricing(decimal InputPerMillion, decimal CachedInputPerMillion, decimal OutputPerMillion)
{
    public static Pricing Free { get; } = new(0, 0, 0);

    /// <param name="inputTokens">All prompt tokens, the cached ones included.</param>
    public decimal CostOf(long inputTokens, long cachedInputTokens, long outputTokens) =>
        (((inputTokens - cachedInputTokens) * InputPerMillion) + (cachedInputTokens * CachedInputPerMillion) + (outputTokens * OutputPerMillion))
        / 1_000_000m;
}
