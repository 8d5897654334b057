using System.Text.Json.Serialization;

namespace ChatPlatform.Ingestion.Model;

/// <summary>A user's file as the API shows it (docs/files.md, "A File"); the blob it lives in stays internal.</summary>
public sealed record StoredFile(
    Guid Id,
    string Name,
    string? MediaType,
    string? Kind,
    long SizeBytes,
    string? Sha256,
    string Status,
    int Progress,
    int? Pages,
    int? Chunks,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    [JsonIgnore]
    public string BlobName { get; init; } = "";

    /// <summary><see cref="FileOrigins"/>: whether deleting the conversations that attach it deletes it too.</summary>
    public string Origin { get; init; } = FileOrigins.Library;
}

/// <summary>
/// Where a file came from (docs/files.md, Deleting): a <c>library</c> file stays until the user deletes it; a <c>chat</c>
/// file (the composer's paperclip) is deleted with the last conversation that attaches it.
/// </summary>
public static class FileOrigins
{
    public const string Library = "library";
    public const string Chat = "chat";

    /// <summary>The origin a request names (absent: library); null when it names something else.</summary>
    public static string? Parse(string? value) => value switch
    {
        null or "" or Library => Library,
        Chat => Chat,
        _ => null,
    };
}

public static class FileStatuses
{
    public const string Uploading = "uploading";
    public const string Pending = "pending";
    public const string Processing = "processing";
    public const string Ready = "ready";
    public const string Failed = "failed";
    public const string Quarantined = "quarantined";
}

/// <summary><c>GET /v1/files</c>: a page of files, newest first, and the user's usage against their tier's quota.</summary>
public sealed record FilePage(IReadOnlyList<StoredFile> Files, Guid? NextBefore, FileUsage Usage);

public sealed record FileUsage(long Bytes, int Files, long MaxBytes, int MaxFiles);

/// <summary><c>POST /v1/files/upload-url</c>'s body.</summary>
public sealed record UploadUrlRequest(string? Name, long? Size, string? Origin = null);

/// <summary>The file waiting for its bytes, and where to <c>PUT</c> them.</summary>
public sealed record DirectUpload(StoredFile File, Uri UploadUrl, DateTimeOffset ExpiresAt);
