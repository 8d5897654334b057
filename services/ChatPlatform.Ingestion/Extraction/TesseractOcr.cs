using System.Globalization;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Extraction;

/// <summary>Reads text from images with Debian's <c>tesseract</c>, and from PDF pages rendered by poppler's <c>pdftoppm</c>.</summary>
public sealed class TesseractOcr(ProcessRunner runner, IOptions<ExtractionOptions> options)
{
    // Tesseract's OpenMP threads spin while they wait: on two busy cores one page took 19-21 s with them and 3.3-5.4 s
    // without (1.5 s of CPU instead of 4.8). Pages are read one at a time per file, files in parallel by the pipeline.
    private static readonly Dictionary<string, string> SingleThreaded = new() { ["OMP_THREAD_LIMIT"] = "1" };

    private readonly ExtractionOptions _options = options.Value;

    /// <summary>The text of an image file; empty when it holds none.</summary>
    public async Task<string> ReadImageAsync(string imagePath, CancellationToken cancellationToken)
    {
        // "stdout" as the output base makes tesseract print the text instead of writing a file.
        var result = await runner.RunAsync(
            _options.TesseractPath, [imagePath, "stdout", "-l", _options.OcrLanguages], _options.ProcessTimeout,
            _options.MaxCharacters, cancellationToken, SingleThreaded);
        if (result.ExitCode != 0)
        {
            throw new ExtractionException("The image could not be read: it may be damaged or in a form the text reader does not know.");
        }
        if (result.OutputTruncated)
        {
            throw new ExtractionException($"The file holds more than {_options.MaxCharacters:N0} characters of text.");
        }
        return Normalize(result.StandardOutput);
    }

    /// <summary>Renders page <paramref name="pageNumber"/> of a PDF to an image and reads it.</summary>
    public async Task<string> ReadPdfPageAsync(
        string pdfPath, int pageNumber, double widthPoints, double heightPoints, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("ocr-");
        try
        {
            var page = pageNumber.ToString(CultureInfo.InvariantCulture);
            var imageBase = Path.Combine(directory.FullName, "page");
            var rendered = await runner.RunAsync(
                _options.PdftoppmPath,
                ["-r", RenderDpi(widthPoints, heightPoints).ToString(CultureInfo.InvariantCulture), "-f", page, "-l", page,
                    "-png", "-singlefile", pdfPath, imageBase],
                _options.ProcessTimeout, 4 * 1024, cancellationToken);
            var image = imageBase + ".png";
            if (rendered.ExitCode != 0 || !File.Exists(image))
            {
                throw new ExtractionException($"Page {pageNumber} of the PDF could not be rendered to be read.");
            }
            return await ReadImageAsync(image, cancellationToken);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    // A page of a poster or a crafted MediaBox can be metres wide: lower the resolution so no side passes the bound.
    private int RenderDpi(double widthPoints, double heightPoints)
    {
        var longestInches = Math.Max(Math.Max(widthPoints, heightPoints), 1) / 72.0;
        return (int)Math.Clamp(Math.Floor(_options.MaxRenderPixels / longestInches), 1, _options.OcrDpi);
    }

    // Tesseract ends pages with a form feed and pads lines; the chunker wants plain paragraphs.
    private static string Normalize(string text) => text.Replace('\f', '\n').Trim();
}
