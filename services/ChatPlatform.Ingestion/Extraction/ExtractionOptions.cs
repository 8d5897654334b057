using System.ComponentModel.DataAnnotations;

namespace ChatPlatform.Ingestion.Extraction;

/// <summary>Section <c>Extraction</c>: how much of a file is read and for how long, so no upload can exhaust the service.</summary>
public sealed class ExtractionOptions
{
    public const string SectionName = "Extraction";

    /// <summary>A document with more pages (or sheets, or slides) fails rather than being read in part.</summary>
    [Range(1, 100_000)]
    public int MaxPages { get; set; } = 2_000;

    /// <summary>A file whose text is longer fails: about 2,500 pages of dense prose.</summary>
    [Range(1, int.MaxValue)]
    public int MaxCharacters { get; set; } = 10_000_000;

    /// <summary>The most bytes a DOCX, XLSX or PPTX may unpack to, counted while unpacking.</summary>
    [Range(1, long.MaxValue)]
    public long MaxUnpackedBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// The most an OOXML package may grow when unpacked, once it is past <see cref="CompressionRatioFloorBytes"/>.
    /// Office XML compresses 5 to 30 times; a bomb, thousands.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxCompressionRatio { get; set; } = 200;

    /// <summary>Below this many unpacked bytes the ratio is not checked: small, repetitive parts compress very well.</summary>
    [Range(0, long.MaxValue)]
    public long CompressionRatioFloorBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>How long one run of pdftoppm or tesseract may take before it is killed with its children.</summary>
    public TimeSpan ProcessTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The address space one run of pdftoppm or tesseract may use (0: unbounded). A page rendered at the largest size
    /// takes about 150 MB and tesseract's English model about 200 MB; past this the program fails and the file with it.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long ProcessMemoryBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>How long reading one file may take in all.</summary>
    public TimeSpan FileTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A PDF page with fewer letters than this and an image on it is read by OCR.</summary>
    [Range(0, 10_000)]
    public int OcrBelowLetters { get; set; } = 16;

    /// <summary>Resolution of a PDF page rendered for OCR; lowered for huge pages so no side passes <see cref="MaxRenderPixels"/>.</summary>
    [Range(50, 600)]
    public int OcrDpi { get; set; } = 200;

    /// <summary>The longest side, in pixels, of a page rendered for OCR.</summary>
    [Range(100, 50_000)]
    public int MaxRenderPixels { get; set; } = 6_000;

    /// <summary>An image with more pixels is not read by OCR (a small PNG can claim a huge canvas).</summary>
    [Range(1, long.MaxValue)]
    public long MaxImagePixels { get; set; } = 40_000_000;

    /// <summary>Tesseract's language data, e.g. <c>eng</c> or <c>eng+deu</c>.</summary>
    [Required, RegularExpression("^[A-Za-z_]+(\\+[A-Za-z_]+)*$")]
    public string OcrLanguages { get; set; } = "eng";

    [Required]
    public string TesseractPath { get; set; } = "tesseract";

    [Required]
    public string PdftoppmPath { get; set; } = "pdftoppm";
}
