using System.ComponentModel.DataAnnotations;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// <c>Files:MaxFileBytes</c>: the largest file ingestion accepts (its largest per-kind limit; 50 MB, a document, by
/// default). The gateway lets an upload that large, with its multipart framing, through to ingestion, which applies
/// the exact limit of the file's kind and the user's quota while it reads.
/// </summary>
public sealed class FileForwardingOptions
{
    public const string SectionName = "Files";

    /// <summary>Boundaries and part headers around the file.</summary>
    public const long MultipartOverheadBytes = 64 * 1024;

    [Range(1, long.MaxValue - MultipartOverheadBytes)]
    public long MaxFileBytes { get; set; } = 50L * 1024 * 1024;

    public long MaxRequestBytes => MaxFileBytes + MultipartOverheadBytes;
}
