using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Retrieval;

/// <summary>Section <c>Embeddings</c>: which model turns chunks and questions into vectors.</summary>
public sealed class EmbeddingOptions
{
    public const string SectionName = "Embeddings";

    /// <summary>The vector size of <c>ingestion.chunks.embedding</c>; a provider must answer with exactly this many.</summary>
    public const int Dimensions = 384;

    /// <summary><c>local</c>: all-MiniLM-L6-v2 in this process, offline (the default).</summary>
    public string Provider { get; set; } = EmbeddingProviders.Local;

    /// <summary>How many texts one model call embeds; larger batches pad more, smaller ones pay more calls.</summary>
    public int BatchSize { get; set; } = 32;
}

public static class EmbeddingProviders
{
    public const string Local = "local";
}

internal sealed class EmbeddingOptionsValidator : IValidateOptions<EmbeddingOptions>
{
    public ValidateOptionsResult Validate(string? name, EmbeddingOptions options)
    {
        if (!string.Equals(options.Provider, EmbeddingProviders.Local, StringComparison.OrdinalIgnoreCase))
        {
            return ValidateOptionsResult.Fail($"Embeddings:Provider '{options.Provider}' is not known; use '{EmbeddingProviders.Local}'.");
        }
        return options.BatchSize is >= 1 and <= 256
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Embeddings:BatchSize must be between 1 and 256 (it is {options.BatchSize}).");
    }
}
