using System.Diagnostics;
using Azure.Storage.Blobs;
using ChatPlatform.EventLog;
using ChatPlatform.Ingestion.Extraction;
using ChatPlatform.Ingestion.Retrieval;
using ChatPlatform.Ingestion.Scanning;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Processing;

/// <summary>
/// Turns an uploaded file into searchable chunks, off the request path: an event-log consumer of
/// <see cref="FileEvents.Uploaded"/> scans the bytes, extracts their text, chunks and embeds it, and stores the chunks
/// with the file's <c>ready</c> status and <see cref="FileEvents.Ready"/> in one transaction. A file the scanner flags
/// is quarantined; one that cannot be read fails with the extractor's reason. Anything else (storage, scanner or
/// database down) throws, so the consumer retries with backoff; a crash mid-file resumes from the start of that file.
/// Redelivery is harmless: a finished file is not claimed again, and the chunks are replaced, never added to.
/// </summary>
public sealed partial class FileProcessor(
    ProcessingStore store,
    BlobServiceClient blobs,
    IVirusScanner scanner,
    IDocumentExtractor extractor,
    TextChunker chunker,
    IEmbeddingGenerator<string, Embedding<float>> embeddings,
    ChunkStore chunks,
    IOptions<ProcessingOptions> options,
    ProcessingSlots slots,
    ILogger<FileProcessor> logger) : IEventHandler
{
    public const string ConsumerName = "ingestion-files";

    /// <summary>
    /// Partitions of the consumer, by user: each takes its files one at a time, so a user uploading fifty files holds back
    /// the users of one partition in eight (with two, half of everyone waited). A new count starts the new partitions
    /// from the log's beginning, and processing a file twice changes nothing, so changing it loses no file.
    /// </summary>
    public const int Partitions = 8;

    public const string RepeatedFailure = "Processing this file failed several times. Try uploading it again.";

    public const string TooLargeToScan = "The virus scanner does not accept files this large, so this file cannot be used.";

    public async Task HandleAsync(EventRecord e, CancellationToken cancellationToken)
    {
        if (e.Type != FileEvents.Uploaded || e.PayloadAs<FileUploaded>() is not { } uploaded)
        {
            return;
        }
        // Before the claim, so a file waiting for a slot is still pending rather than processing.
        using var slot = await slots.TakeAsync(cancellationToken);
        if (await store.ClaimAsync(uploaded.FileId, cancellationToken) is not { } file)
        {
            return;
        }
        if (file.Attempts > options.Value.MaxAttempts)
        {
            LogGaveUp(logger, file.Id, file.Attempts - 1);
            await store.FailAsync(file, "failed", RepeatedFailure, cancellationToken);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            await ProcessAsync(file, cancellationToken);
            LogProcessed(logger, file.Id, file.MediaType, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (ExtractionException error)
        {
            LogUnreadable(logger, file.Id, file.MediaType, error.Message);
            await store.FailAsync(file, "failed", error.Message, cancellationToken);
        }
        catch (VirusScanException error) when (error.Permanent)
        {
            LogUnscannable(logger, file.Id, error.Message);
            await store.FailAsync(file, "failed", TooLargeToScan, cancellationToken);
        }
    }

    private async Task ProcessAsync(FileToProcess file, CancellationToken cancellationToken)
    {
        // A local copy, because the extractors need to seek (PDF cross-references, ZIP directories) and the scanner
        // and the extractor both read it. Deleted when closed; its size is bounded by the upload limits.
        await using var local = new FileStream(
            Path.Combine(Path.GetTempPath(), $"chatplatform-{file.Id:N}"), FileMode.Create, FileAccess.ReadWrite, FileShare.None,
            bufferSize: 81_920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await BlobOf(file).DownloadToAsync(local, cancellationToken);
        await store.ReportProgressAsync(file.Id, 10, cancellationToken);

        local.Position = 0;
        var scan = await scanner.ScanAsync(local, cancellationToken);
        if (!scan.IsClean)
        {
            LogQuarantined(logger, file.Id, scan.Signature!);
            await store.FailAsync(file, "quarantined", $"The virus scan found {scan.Signature}. The file is quarantined and will not be used.", cancellationToken);
            return;
        }
        await store.ReportProgressAsync(file.Id, 20, cancellationToken);

        local.Position = 0;
        var document = await extractor.ExtractAsync(local, file.MediaType, cancellationToken);
        await store.ReportProgressAsync(file.Id, 50, cancellationToken);

        var pieces = chunker.Chunk(document);
        var embedded = new List<EmbeddedChunk>(pieces.Count);
        var usages = new List<RouterEmbeddingUsage>();
        var batchSize = options.Value.EmbeddingBatchSize;
        foreach (var batch in pieces.Chunk(batchSize))
        {
            var vectors = await embeddings.GenerateAsync(batch.Select(chunk => chunk.Text), cancellationToken: cancellationToken);
            embedded.AddRange(batch.Zip(vectors, (chunk, vector) => new EmbeddedChunk(chunk, vector.Vector)));
            usages.AddRange(RouterEmbeddingUsage.Of(vectors));
            await store.ReportProgressAsync(file.Id, 50 + 45 * embedded.Count / pieces.Count, cancellationToken);
        }

        await store.CompleteAsync(file, document.Pages.Count, embedded.Count,
            transaction => chunks.ReplaceAsync(transaction, file.Id, embedded, cancellationToken),
            RouterEmbeddingUsage.Sum(usages), cancellationToken);
    }

    // blob_name is "{container}/{blob}": "files/{user}/{sha256}" once checked.
    private BlobClient BlobOf(FileToProcess file)
    {
        var slash = file.BlobName.IndexOf('/', StringComparison.Ordinal);
        return blobs.GetBlobContainerClient(file.BlobName[..slash]).GetBlobClient(file.BlobName[(slash + 1)..]);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "File {FileId} ({MediaType}) processed in {ElapsedMs:F0} ms")]
    private static partial void LogProcessed(ILogger logger, Guid fileId, string mediaType, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "File {FileId} ({MediaType}) cannot be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, Guid fileId, string mediaType, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "File {FileId} quarantined: the virus scan found {Signature}")]
    private static partial void LogQuarantined(ILogger logger, Guid fileId, string signature);

    [LoggerMessage(Level = LogLevel.Warning, Message = "File {FileId} cannot be scanned: {Reason}")]
    private static partial void LogUnscannable(ILogger logger, Guid fileId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "File {FileId} failed for good after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, Guid fileId, int attempts);
}
