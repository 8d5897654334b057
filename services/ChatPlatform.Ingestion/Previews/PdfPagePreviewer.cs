using System.Globalization;
using ChatPlatform.Ingestion.Extraction;
using ChatPlatform.Ingestion.Infrastructure;
using ChatPlatform.Ingestion.Model;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Previews;

/// <summary>
/// One page of a user's PDF as a PNG, rendered by poppler's <c>pdftoppm</c> from a private copy of the blob: what a
/// citation opens, at its page, without serving the PDF inline (docs/files.md). Renders are bounded like extraction's
/// (a killed process at the timeout, the longest side at <see cref="LongestSidePixels"/>) and few at a time, so that
/// asking for many pages at once queues instead of filling the machine.
/// </summary>
public sealed class PdfPagePreviewer(FileBlobs blobs, ProcessRunner runner, IOptions<ExtractionOptions> options)
{
    /// <summary>Fits a page to a box this many pixels on each side: sharp on a laptop, a few hundred KB of PNG.</summary>
    public const int LongestSidePixels = 1600;

    private static readonly SemaphoreSlim Renders = new(Math.Max(1, Environment.ProcessorCount / 2));

    /// <summary>The page's PNG bytes, or null when the blob is gone or the page cannot be rendered.</summary>
    public async Task<byte[]?> RenderAsync(Guid userId, StoredFile file, int page, CancellationToken cancellationToken)
    {
        await Renders.WaitAsync(cancellationToken);
        DirectoryInfo? directory = null;
        try
        {
            // Created with mode 0700: no other user of the machine reads the copy or the image.
            directory = Directory.CreateTempSubdirectory("preview-");
            var pdf = Path.Combine(directory.FullName, "file.pdf");
            await using (var content = await blobs.OpenContentAsync(userId, file.Sha256!, cancellationToken))
            {
                if (content is null)
                {
                    return null;
                }
                await using var copy = new FileStream(pdf, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81_920, FileOptions.Asynchronous);
                await content.CopyToAsync(copy, cancellationToken);
            }
            var number = page.ToString(CultureInfo.InvariantCulture);
            var imageBase = Path.Combine(directory.FullName, "page");
            var settings = options.Value;
            var rendered = await runner.RunAsync(
                settings.PdftoppmPath,
                ["-f", number, "-l", number, "-scale-to", LongestSidePixels.ToString(CultureInfo.InvariantCulture), "-png", "-singlefile", pdf, imageBase],
                settings.ProcessTimeout, 4 * 1024, cancellationToken);
            var image = imageBase + ".png";
            return rendered.ExitCode == 0 && File.Exists(image) ? await File.ReadAllBytesAsync(image, cancellationToken) : null;
        }
        catch (ExtractionException)
        {
            // pdftoppm missing or past its timeout: the page is not shown, the file stays downloadable.
            return null;
        }
        finally
        {
            Renders.Release();
            directory?.Delete(recursive: true);
        }
    }
}
