namespace ChatPlatform.Ingestion.Extraction;

/// <summary>The media types extraction reads: those the upload sniffs from magic bytes (docs/files.md).</summary>
public static class MediaTypes
{
    public const string Pdf = "application/pdf";
    public const string Docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    public const string Xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    public const string Pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    public const string Png = "image/png";
    public const string Jpeg = "image/jpeg";
    public const string Gif = "image/gif";
    public const string WebP = "image/webp";
    public const string Html = "text/html";
    public const string Json = "application/json";

    public static bool IsImage(string mediaType) => mediaType is Png or Jpeg or Gif or WebP;

    /// <summary>Plain text, Markdown, CSV, code (<c>text/*</c>) and JSON are read as UTF-8 as they are.</summary>
    public static bool IsPlainText(string mediaType) =>
        mediaType == Json || (mediaType.StartsWith("text/", StringComparison.Ordinal) && mediaType != Html);
}
