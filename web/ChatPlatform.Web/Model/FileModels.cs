namespace ChatPlatform.Web.Model;

// The gateway's /v1/files API as this app reads it (docs/files.md).

public enum FileKind
{
    Document,
    Text,
    Image,
}

public enum FileStatus
{
    Uploading,
    Pending,
    Processing,
    Ready,
    Failed,
    Quarantined,
}

public sealed record StoredFile(
    Guid Id,
    string Name,
    string MediaType,
    FileKind Kind,
    long SizeBytes,
    FileStatus Status,
    int Progress,
    int? Pages,
    int? Chunks,
    string? Error,
    DateTimeOffset CreatedAt)
{
    /// <summary>Ready, failed or quarantined: its status will not change by itself any more.</summary>
    public bool IsSettled => Status is FileStatus.Ready or FileStatus.Failed or FileStatus.Quarantined;
}

public sealed record FileUsage(long Bytes, int Files, long MaxBytes, int MaxFiles);

public sealed record FilePage(IReadOnlyList<StoredFile> Files, Guid? NextBefore, FileUsage Usage);

/// <summary>A file a user message attached (chat's <c>attachments</c>).</summary>
public sealed record MessageAttachment(Guid Id, string Name, string MediaType, FileKind Kind);

/// <summary>A source an answer cited as <c>[Source]</c> (chat's <c>citations</c>); <see cref="Page"/> null for a file without pages.</summary>
public sealed record Citation(int Source, Guid FileId, string FileName, int? Page);
