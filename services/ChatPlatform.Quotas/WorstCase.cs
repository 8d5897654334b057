namespace ChatPlatform.Quotas;

/// <summary>
/// What a request may cost at most: its prompt (estimated at four characters a token where the real count is not
/// known yet) plus the model's whole maximum output, at the model's prices (per kind of token the dearest enabled
/// deployment's, as the router lists them), so a reservation is never below what the answer can cost.
/// </summary>
public static class WorstCase
{
    public static long EstimateTokens(long characters) => (Math.Max(0, characters) + 3) / 4;

    public static (long Tokens, decimal CostUsd) Of(long promptTokens, long maxOutputTokens, decimal inputPerMillion, decimal outputPerMillion)
    {
        var cost = ((promptTokens * inputPerMillion) + (maxOutputTokens * outputPerMillion)) / 1_000_000m;
        return (promptTokens + maxOutputTokens, cost);
    }
}
