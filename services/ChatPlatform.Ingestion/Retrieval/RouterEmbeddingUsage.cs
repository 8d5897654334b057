using Microsoft.Extensions.AI;

namespace ChatPlatform.Ingestion.Retrieval;

/// <summary>
/// What router embeddings used, per deployment that served them (the router's <c>usage.chatplatform</c>), for the
/// ledger: a file's embedding calls are paid for and billed like answers (source <c>embedding</c>). The local model
/// costs nothing and reports none of it.
/// </summary>
public sealed record RouterEmbeddingUsage(
    string Model, string Deployment, string Provider, long InputTokens, bool Estimated, decimal CostUsd, long DurationMs)
{
    /// <summary>The key of <see cref="GeneratedEmbeddings{T}.AdditionalProperties"/> that holds a call's usages.</summary>
    public const string PropertyName = "chatplatform.usage";

    /// <summary>Written by producers when the router's figures did not come: billing prices it from the model.</summary>
    public const string Unknown = "unknown";

    /// <summary>The usages a generator reported with <paramref name="embeddings"/>; none from the local model.</summary>
    public static IReadOnlyList<RouterEmbeddingUsage> Of<T>(GeneratedEmbeddings<T> embeddings) where T : Embedding =>
        embeddings.AdditionalProperties?.TryGetValue(PropertyName, out var value) == true && value is IReadOnlyList<RouterEmbeddingUsage> usages
            ? usages
            : [];

    /// <summary>One figure per (model, deployment, provider): a file's many calls are usually one ledger entry.</summary>
    public static List<RouterEmbeddingUsage> Sum(IEnumerable<RouterEmbeddingUsage> usages) =>
        [.. usages.GroupBy(u => (u.Model, u.Deployment, u.Provider)).Select(g => new RouterEmbeddingUsage(
            g.Key.Model, g.Key.Deployment, g.Key.Provider, g.Sum(u => u.InputTokens), g.Any(u => u.Estimated), g.Sum(u => u.CostUsd),
            g.Sum(u => u.DurationMs)))];
}
