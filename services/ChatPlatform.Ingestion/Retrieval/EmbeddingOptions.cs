using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Retrieval;

/// <summary>Section <c>Embeddings</c>: which model turns chunks and questions into vectors.</summary>
public sealed class EmbeddingOptions
{
    public const string SectionName = "Embeddings";

    /// <summary>The vector size of <c>ingestion.chunks.embedding</c>; a provider must answer with exactly this many.</summary>
    public const int ColumnDimensions = 384;

    /// <summary><c>local</c>: all-MiniLM-L6-v2 in this process, offline (the default); <c>router</c>: <see cref="Model"/> through the model router.</summary>
    public string Provider { get; set; } = EmbeddingProviders.Local;

    /// <summary>With <c>router</c>: the catalog's embedding model, e.g. <c>text-embedding-3-small</c> or <c>sim-embed</c>.</summary>
    public string? Model { get; set; }

    /// <summary>The vectors' length, asked of the router as <c>dimensions</c>; it must be the column's (<see cref="ColumnDimensions"/>).</summary>
    public int Dimensions { get; set; } = ColumnDimensions;

    /// <summary>How many texts one model call embeds; larger batches pad more, smaller ones pay more calls.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// What made a chunk's vector, stored with it (<c>ingestion.chunks.embedding_model</c>): a question is compared by
    /// meaning only with vectors of the same model, never with another's.
    /// </summary>
    public string ModelKey => IsRouter ? $"router:{Model}:{Dimensions}" : LocalModelKey;

    public bool IsRouter => string.Equals(Provider, EmbeddingProviders.Router, StringComparison.OrdinalIgnoreCase);

    /// <summary>The key of the local model, and of every chunk stored before keys were.</summary>
    public const string LocalModelKey = MiniLmEmbeddingGenerator.ModelId;
}

public static class EmbeddingProviders
{
    public const string Local = "local";

    public const string Router = "router";
}

internal sealed class EmbeddingOptionsValidator : IValidateOptions<EmbeddingOptions>
{
    public ValidateOptionsResult Validate(string? name, EmbeddingOptions options)
    {
        var local = string.Equals(options.Provider, EmbeddingProviders.Local, StringComparison.OrdinalIgnoreCase);
        if (!local && !options.IsRouter)
        {
            return ValidateOptionsResult.Fail(
                $"Embeddings:Provider '{options.Provider}' is not known; use '{EmbeddingProviders.Local}' or '{EmbeddingProviders.Router}'.");
        }
        if (options.IsRouter && string.IsNullOrWhiteSpace(options.Model))
        {
            return ValidateOptionsResult.Fail("Embeddings:Provider 'router' needs Embeddings:Model, the model router's embedding model (e.g. text-embedding-3-small).");
        }
        // The column and its HNSW index have one fixed size: a vector of another length could not be stored or searched.
        if (options.Dimensions != EmbeddingOptions.ColumnDimensions)
        {
            return ValidateOptionsResult.Fail(
                $"Embeddings:Dimensions is {options.Dimensions}, but ingestion.chunks.embedding holds vectors of {EmbeddingOptions.ColumnDimensions}. "
                + $"Set Embeddings:Dimensions to {EmbeddingOptions.ColumnDimensions} (OpenAI's text-embedding-3 models shorten their vectors to it), "
                + "or pick a model that returns that many.");
        }
        return options.BatchSize is >= 1 and <= 256
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Embeddings:BatchSize must be between 1 and 256 (it is {options.BatchSize}).");
    }
}
