namespace ChatPlatform.Ingestion.Files;

/// <summary>Why an upload was refused: the status and a detail a person understands (docs/files.md, Public API).</summary>
public sealed record UploadProblem(int Status, string Title, string Detail)
{
    public static UploadProblem TooLarge(FileKind? kind, long limit) => new(
        StatusCodes.Status413PayloadTooLarge, "File too large",
        kind is { } known
            ? $"The file is larger than the {Size(limit)} allowed for a {FileKinds.Name(known)} file."
            : $"The file is larger than the {Size(limit)} allowed for any file.");

    public static UploadProblem OverByteQuota(long maxBytes) => new(
        StatusCodes.Status413PayloadTooLarge, "Storage quota exceeded",
        $"The file does not fit in your storage quota of {Size(maxBytes)}; delete files to make room.");

    public static UploadProblem OverFileQuota(int maxFiles) => new(
        StatusCodes.Status413PayloadTooLarge, "File quota exceeded",
        $"You already have the {maxFiles} files your quota allows; delete files to make room.");

    public static readonly UploadProblem Unsupported = new(
        StatusCodes.Status415UnsupportedMediaType, "Unsupported type",
        "The file is not a type accepted here: PDF, DOCX, XLSX, PPTX, PNG, JPEG, GIF, WebP or UTF-8 text.");

    public static readonly UploadProblem Empty = new(StatusCodes.Status400BadRequest, "Empty file", "The file is empty.");

    public static readonly UploadProblem NotUploaded = new(
        StatusCodes.Status409Conflict, "Not uploaded", "No bytes have been uploaded to the upload URL yet.");

    public static readonly UploadProblem ChangedWhileChecked = new(
        StatusCodes.Status409Conflict, "Upload changed", "The uploaded bytes changed while they were checked; complete the upload again.");

    public static UploadProblem BadRequest(string detail) => new(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static UploadProblem UnsupportedRequest(string detail) => new(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", detail);

    private static string Size(long bytes) => bytes switch
    {
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => $"{bytes / (1024 * 1024)} MB",
        >= 1024 when bytes % 1024 == 0 => $"{bytes / 1024} KB",
        _ => $"{bytes} bytes",
    };
}
