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
    /// The local model's threads within one call (ONNX Runtime's intra-op threads), which sleep instead of spinning while
    /// they wait. Two by default, the cores of the machines this runs on: ONNX Runtime's own default (a thread per core
    /// that spins between operators) took cores PostgreSQL and the other services needed, and on a loaded 2-core machine
    /// a question's embedding was 20 to 40 % slower with it (`bench embedding`); one thread was no faster than that.
    /// 0 is ONNX Runtime's default.
    /// </summary>
    public int IntraOpThreads { get; set; } = 2;

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
        if (options.IntraOpThreads is < 0 or > 64)
        {
            return ValidateOptionsResult.Fail($"Embeddings:IntraOpThreads must be between 0 (ONNX Runtime's default) and 64 (it is {options.IntraOpThreads}).");
        }
        return options.BatchSize is >= 1 and <= 256
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Embeddings:BatchSize must be between 1 and 256 (it is {options.BatchSize}).");
    }
}
