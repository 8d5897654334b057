using System.IO.Compression;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Extraction;

/// <summary>
/// Unpacks every entry of a DOCX, XLSX or PPTX once, counting the bytes that really come out, before the OpenXml SDK
/// reads it: a zip bomb's central directory can claim any size, so only the inflated bytes count. The file does not
/// change between this check and the read (it is our own copy), so the read inflates the same bytes.
/// </summary>
public sealed class OoxmlPackageGuard(IOptions<ExtractionOptions> options)
{
    private readonly ExtractionOptions _options = options.Value;

    public void Check(string path, CancellationToken cancellationToken)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            if (zip.Entries.Count > 10_000)
            {
                throw new ExtractionException("The document has too many parts to be read.");
            }
            // The ratio is to the file's real length: the directory's compressed sizes are as forgeable as the others.
            var packed = Math.Max(new FileInfo(path).Length, 1);
            var buffer = new byte[81920];
            long unpacked = 0;
            foreach (var entry in zip.Entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var content = entry.Open();
                int read;
                while ((read = content.Read(buffer)) > 0)
                {
                    unpacked += read;
                    if (unpacked > _options.MaxUnpackedBytes)
                    {
                        throw new ExtractionException(
                            $"The document unpacks to more than {_options.MaxUnpackedBytes / (1024 * 1024):N0} MB; it is refused as a possible zip bomb.");
                    }
                    if (unpacked > _options.CompressionRatioFloorBytes && unpacked > packed * _options.MaxCompressionRatio)
                    {
                        throw new ExtractionException(
                            $"The document unpacks to more than {_options.MaxCompressionRatio:N0} times its size; it is refused as a possible zip bomb.");
                    }
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw new ExtractionException("The document is damaged and cannot be read.", e);
        }
    }
}
