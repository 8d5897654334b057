using System.ComponentModel.DataAnnotations;

namespace ChatPlatform.Ingestion.Processing;

/// <summary>How files are turned into chunks (section <c>Processing</c>).</summary>
public sealed class ProcessingOptions
{
    public const string SectionName = "Processing";

    /// <summary>Whether this instance processes files; false runs only the API (read at start).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Files processed at once by this instance, across all partitions: extraction, OCR and embedding are CPU work, so
    /// more than the cores only makes every file slower.
    /// </summary>
    [Range(1, 64)]
    public int ConcurrentFiles { get; set; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Chunks embedded per call to the embedding generator.</summary>
    [Range(1, 1024)]
    public int EmbeddingBatchSize { get; set; } = 32;

    /// <summary>
    /// Attempts at a file before it is failed for good: a scanner or store that is down is retried with backoff, but a
    /// file that crashes its processing every time must not hold back every file behind it.
    /// </summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;
}
