using ChatPlatform.Chat.Infrastructure;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Chat.Services;

/// <summary>A search query's vector and the model that made it: compared only with entries that model embedded.</summary>
public sealed record QueryVector(string Model, float[] Vector);

/// <summary>
/// Embeds a search's query once, through ingestion's model, for the matches by meaning. A search never fails for it:
/// when semantic search is off, the query uses websearch syntax, or the model does not answer within
/// <see cref="SearchOptions.QueryEmbeddingTimeout"/>, the search answers with its full-text matches alone.
/// </summary>
public sealed partial class SearchQueryEmbedder(IngestionClient ingestion, IOptions<SearchOptions> options, ILogger<SearchQueryEmbedder> logger)
{
    public async Task<QueryVector?> EmbedAsync(string query, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Semantic || UsesSyntax(query))
        {
            return null;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.QueryEmbeddingTimeout);
        try
        {
            var embeddings = await ingestion.EmbedAsync([query], timeout.Token);
            return new QueryVector(embeddings.Model, embeddings.Vectors[0]);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException
            or System.Text.Json.JsonException || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogQueryNotEmbedded(logger, e.GetType().Name);
            return null;
        }
    }

    /// <summary>
    /// Quotes, OR and -word ask for exact words: a phrase, alternatives, an exclusion. A vector knows none of them (it would
    /// find "meeting" for "-meeting"), so such a query is matched by its words only.
    /// </summary>
    public static bool UsesSyntax(string query) =>
        query.Contains('"', StringComparison.Ordinal)
        || query.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(w => w == "OR" || w.StartsWith('-'));

    [LoggerMessage(Level = LogLevel.Warning, Message = "A search query could not be embedded ({Reason}); words only")]
    private static partial void LogQueryNotEmbedded(ILogger logger, string reason);
}
