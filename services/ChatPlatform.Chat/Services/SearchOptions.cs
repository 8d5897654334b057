namespace ChatPlatform.Chat.Services;

/// <summary>Section <c>Search</c>: matches by meaning beside the full-text ones (docs/conversations.md, Search).</summary>
public sealed class SearchOptions
{
    public const string SectionName = "Search";

    /// <summary>
    /// Embed messages and titles (through ingestion's embedding model) and add the nearest ones by meaning to each search.
    /// Off: full text only, and no message is embedded.
    /// </summary>
    public bool Semantic { get; set; } = true;

    /// <summary>
    /// The largest cosine distance (1 - similarity) a match by meaning may have. all-MiniLM-L6-v2 puts paraphrases around
    /// 0.3 to 0.5 and unrelated sentences above 0.8: without a bound every query would "find" its nearest strangers.
    /// </summary>
    public double MaxDistance { get; set; } = 0.6;

    /// <summary>How long a search waits for its query's vector before answering with full-text matches alone.</summary>
    public TimeSpan QueryEmbeddingTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Rows embedded per call to the model.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>How long the embedder waits after the model could not be reached, and how often it looks for work unwoken.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);
}
