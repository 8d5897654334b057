using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Extraction;

/// <summary>An image's text by OCR, as one page; an image without text is a page without text, not an error.</summary>
public sealed class ImageTextExtractor(TesseractOcr ocr, IOptions<ExtractionOptions> options)
{
    private readonly ExtractionOptions _options = options.Value;

    public async Task<ExtractedDocument> ExtractAsync(string path, string mediaType, CancellationToken cancellationToken)
    {
        var header = new byte[64 * 1024];
        int length;
        await using (var file = File.OpenRead(path))
        {
            length = await file.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken);
        }
        var size = MatchesMagic(header.AsSpan(0, length), mediaType) ? ImageSize.Read(header.AsSpan(0, length)) : null;
        if (size is not { Width: > 0, Height: > 0 } image)
        {
            throw new ExtractionException($"The file is not a readable {mediaType[6..].ToUpperInvariant()} image.");
        }
        if (image.Pixels > _options.MaxImagePixels)
        {
            throw new ExtractionException(
                $"The image is {image.Width:N0} × {image.Height:N0} pixels; at most {_options.MaxImagePixels / 1_000_000.0:0.#} million pixels can be read.");
        }
        var text = await ocr.ReadImageAsync(path, cancellationToken);
        return new ExtractedDocument([new ExtractedPage(1, text, Ocr: true)]);
    }

    private static bool MatchesMagic(ReadOnlySpan<byte> header, string mediaType) => mediaType switch
    {
        MediaTypes.Png => header.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']),
        MediaTypes.Jpeg => header.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]),
        MediaTypes.Gif => header.StartsWith("GIF8"u8),
        MediaTypes.WebP => header.Length >= 12 && header.StartsWith("RIFF"u8) && header[8..12].SequenceEqual("WEBP"u8),
        _ => false,
    };
}
