namespace ChatPlatform.Ingestion.Files;

/// <summary>What a file's bytes say it is; never taken from its name or the client's Content-Type.</summary>
public sealed record FileType(string MediaType, FileKind Kind)
{
    public static readonly FileType Pdf = new("application/pdf", FileKind.Document);
    public static readonly FileType Docx = new("application/vnd.openxmlformats-officedocument.wordprocessingml.document", FileKind.Document);
    public static readonly FileType Xlsx = new("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", FileKind.Document);
    public static readonly FileType Pptx = new("application/vnd.openxmlformats-officedocument.presentationml.presentation", FileKind.Document);
    public static readonly FileType Png = new("image/png", FileKind.Image);
    public static readonly FileType Jpeg = new("image/jpeg", FileKind.Image);
    public static readonly FileType Gif = new("image/gif", FileKind.Image);
    public static readonly FileType WebP = new("image/webp", FileKind.Image);
    public static readonly FileType Text = new("text/plain", FileKind.Text);

    /// <summary>A ZIP archive, which is a document only if its part names make it DOCX, XLSX or PPTX (<see cref="OoxmlSniffer"/>).</summary>
    public static readonly FileType Zip = new("application/zip", FileKind.Document);

    /// <summary>Raster images a browser may show inline; anything else is served as an attachment.</summary>
    public bool IsInlineSafe => Kind == FileKind.Image;
}
