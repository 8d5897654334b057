namespace ChatPlatform.Ingestion.Processing;

/// <summary>The events of a file's life (docs/files.md), keyed by its owner so one user's events stay in order.</summary>
public static class FileEvents
{
    public const string Uploaded = "file.uploaded";
    public const string Ready = "file.ready";
    public const string Failed = "file.failed";
    public const string Deleted = "file.deleted";
}

public sealed record FileUploaded(Guid FileId, Guid UserId);

public sealed record FileReady(Guid FileId, Guid UserId, int Pages, int Chunks);

public sealed record FileFailed(Guid FileId, Guid UserId, string Error);

/// <summary><paramref name="Sha256"/> names the content blob; null when the bytes never got there (an upload not completed).</summary>
public sealed record FileDeleted(Guid FileId, Guid UserId, string? Sha256);
