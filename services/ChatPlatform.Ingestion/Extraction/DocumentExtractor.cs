using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Extraction;

/// <summary>
/// Reads a file by its sniffed media type. The bytes are first copied to a private temporary file: the parsers want to
/// seek, pdftoppm and tesseract want a path, and the blob stream may not seek. The whole read is bounded by
/// <see cref="ExtractionOptions.FileTimeout"/>.
/// </summary>
public sealed partial class DocumentExtractor(
    PdfTextExtractor pdf,
    OfficeTextExtractor office,
    ImageTextExtractor images,
    IOptions<ExtractionOptions> options,
    TimeProvider timeProvider,
    ILogger<DocumentExtractor> logger) : IDocumentExtractor
{
    private readonly ExtractionOptions _options = options.Value;

    public static bool CanRead(string mediaType) =>
        mediaType is MediaTypes.Pdf or MediaTypes.Docx or MediaTypes.Xlsx or MediaTypes.Pptx or MediaTypes.Html
        || MediaTypes.IsImage(mediaType) || MediaTypes.IsPlainText(mediaType);

    public async Task<ExtractedDocument> ExtractAsync(Stream content, string mediaType, CancellationToken cancellationToken)
    {
        if (!CanRead(mediaType))
        {
            throw new ExtractionException($"Files of type '{mediaType}' cannot be read.");
        }

        using var deadline = new CancellationTokenSource(_options.FileTimeout, timeProvider);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        // Created with mode 0700: no other user of the machine reads the copy.
        var directory = Directory.CreateTempSubdirectory("extract-");
        var started = Stopwatch.GetTimestamp();
        try
        {
            var path = Path.Combine(directory.FullName, "file");
            await using (var copy = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await content.CopyToAsync(copy, stop.Token);
                if (copy.Length == 0)
                {
                    throw new ExtractionException("The file is empty.");
                }
            }

            // The parsers are synchronous and cannot all be interrupted: the read runs off the caller's thread, and the
            // caller stops waiting at the deadline even if a parser is stuck on a hostile file.
            var document = await Task.Run(() => ReadAsync(path, mediaType, stop.Token), stop.Token).WaitAsync(stop.Token);
            var result = Sanitize(document);
            LogExtracted(logger, mediaType, result.Pages.Count, result.Pages.Count(p => p.Ocr), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return result;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ExtractionException($"Reading the file took longer than {Durations.Describe(_options.FileTimeout)}.");
        }
        finally
        {
            try
            {
                directory.Delete(recursive: true);
            }
            catch (IOException e)
            {
                LogCleanupFailed(logger, directory.FullName, e);
            }
        }
    }

    private async Task<ExtractedDocument> ReadAsync(string path, string mediaType, CancellationToken cancellationToken)
    {
        if (mediaType == MediaTypes.Pdf)
        {
            return await pdf.ExtractAsync(path, cancellationToken);
        }
        if (mediaType is MediaTypes.Docx or MediaTypes.Xlsx or MediaTypes.Pptx)
        {
            return office.Extract(path, mediaType, cancellationToken);
        }
        if (MediaTypes.IsImage(mediaType))
        {
            return await images.ExtractAsync(path, mediaType, cancellationToken);
        }
        var text = await PlainTextReader.ReadAsync(path, _options.MaxCharacters, cancellationToken);
        return new ExtractedDocument([new ExtractedPage(1, mediaType == MediaTypes.Html ? HtmlTextExtractor.Extract(text) : text, Ocr: false)]);
    }

    // PostgreSQL refuses NUL in text, and one line ending keeps the chunker's paragraph split simple.
    private static ExtractedDocument Sanitize(ExtractedDocument document) =>
        new(document.Pages.Select(p => p with { Text = p.Text.Replace("\0", "", StringComparison.Ordinal).ReplaceLineEndings("\n") }).ToList());

    [LoggerMessage(Level = LogLevel.Information, Message = "Extracted {MediaType}: {Pages} pages ({OcrPages} by OCR) in {ElapsedMs:0} ms")]
    private static partial void LogExtracted(ILogger logger, string mediaType, int pages, int ocrPages, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the temporary directory {Directory}")]
    private static partial void LogCleanupFailed(ILogger logger, string directory, Exception exception);
}
