using Microsoft.Extensions.Options;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace ChatPlatform.Ingestion.Extraction;

/// <summary>
/// A PDF's text page by page with PdfPig; a page with (almost) no text layer but an image on it is a scan, read by OCR.
/// </summary>
public sealed partial class PdfTextExtractor(TesseractOcr ocr, IOptions<ExtractionOptions> options, ILogger<PdfTextExtractor> logger)
{
    private readonly ExtractionOptions _options = options.Value;

    public async Task<ExtractedDocument> ExtractAsync(string path, CancellationToken cancellationToken)
    {
        using var document = Open(path);
        if (document.NumberOfPages == 0)
        {
            throw new ExtractionException("The PDF has no pages.");
        }
        if (document.NumberOfPages > _options.MaxPages)
        {
            throw new ExtractionException($"The PDF has {document.NumberOfPages:N0} pages; at most {_options.MaxPages:N0} can be read.");
        }

        var pages = new List<ExtractedPage>(document.NumberOfPages);
        var characters = 0L;
        for (var number = 1; number <= document.NumberOfPages; number++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (text, hasImages, width, height) = ReadPage(document, number);
            var isScan = CountLetters(text) < _options.OcrBelowLetters && hasImages;
            if (isScan)
            {
                LogOcrPage(logger, number);
                text = await ocr.ReadPdfPageAsync(path, number, width, height, cancellationToken);
            }
            characters += text.Length;
            if (characters > _options.MaxCharacters)
            {
                throw new ExtractionException($"The PDF holds more than {_options.MaxCharacters:N0} characters of text.");
            }
            pages.Add(new ExtractedPage(number, text, isScan));
        }
        return new ExtractedDocument(pages);
    }

    private static PdfDocument Open(string path)
    {
        try
        {
            return PdfDocument.Open(path, new ParsingOptions { SkipMissingFonts = true });
        }
        catch (PdfDocumentEncryptedException e)
        {
            throw new ExtractionException("The PDF is password-protected.", e);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            throw new ExtractionException("The PDF is damaged and cannot be read.", e);
        }
    }

    private static (string Text, bool HasImages, double Width, double Height) ReadPage(PdfDocument document, int number)
    {
        try
        {
            var page = document.GetPage(number);
            return (ContentOrderTextExtractor.GetText(page).Trim(), HasImages(page), page.Width, page.Height);
        }
        catch (PdfDocumentEncryptedException e)
        {
            throw new ExtractionException("The PDF is password-protected.", e);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            throw new ExtractionException($"Page {number} of the PDF is damaged and cannot be read.", e);
        }
    }

    private static bool HasImages(Page page) => page.NumberOfImages > 0;

    private static int CountLetters(string text)
    {
        var count = 0;
        foreach (var c in text)
        {
            count += char.IsLetterOrDigit(c) ? 1 : 0;
        }
        return count;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "PDF page {Page} has no text layer; reading it by OCR")]
    private static partial void LogOcrPage(ILogger logger, int page);
}
