using System.IO.Packaging;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Extraction;

/// <summary>
/// DOCX, XLSX and PPTX through the OpenXml SDK, after <see cref="OoxmlPackageGuard"/> has unpacked the package once and
/// found it within bounds. The format readers are the partial files beside this one.
/// </summary>
public sealed partial class OfficeTextExtractor(OoxmlPackageGuard guard, IOptions<ExtractionOptions> options)
{
    private readonly ExtractionOptions _options = options.Value;

    public ExtractedDocument Extract(string path, string mediaType, CancellationToken cancellationToken)
    {
        guard.Check(path, cancellationToken);
        var settings = new OpenSettings { MaxCharactersInPart = _options.MaxUnpackedBytes };
        try
        {
            return mediaType switch
            {
                MediaTypes.Docx => ReadWord(path, settings),
                MediaTypes.Xlsx => ReadSpreadsheet(path, settings, cancellationToken),
                MediaTypes.Pptx => ReadPresentation(path, settings, cancellationToken),
                _ => throw new ArgumentOutOfRangeException(nameof(mediaType), mediaType, "not an Office Open XML type"),
            };
        }
        catch (Exception e) when (e is OpenXmlPackageException or InvalidDataException or FileFormatException or IOException or InvalidOperationException or System.Xml.XmlException)
        {
            throw new ExtractionException($"The {Describe(mediaType)} is damaged or not really one and cannot be read.", e);
        }
    }

    private void CheckPageCount(int count, string what)
    {
        if (count > _options.MaxPages)
        {
            throw new ExtractionException($"The file has {count:N0} {what}; at most {_options.MaxPages:N0} can be read.");
        }
    }

    private void CheckLength(long characters)
    {
        if (characters > _options.MaxCharacters)
        {
            throw new ExtractionException($"The file holds more than {_options.MaxCharacters:N0} characters of text.");
        }
    }

    private static string Describe(string mediaType) => mediaType switch
    {
        MediaTypes.Docx => "Word document",
        MediaTypes.Xlsx => "Excel workbook",
        _ => "PowerPoint presentation",
    };

    private static string Clean(StringBuilder text) => text.ToString().Trim();
}
