using System.ComponentModel.DataAnnotations;

namespace ChatPlatform.Web.Infrastructure;

/// <summary>
/// <c>Files</c>: the largest body <c>POST /api/files</c> passes on to the gateway. Ingestion's own limits (per kind, per
/// tier) are lower and answer first; this one only bounds what a browser can make this server relay.
/// </summary>
public sealed class FileUploadOptions
{
    public const string SectionName = "Files";

    /// <summary>50 MB, ingestion's default for a document, plus room for the multipart framing.</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 50L * 1024 * 1024 + 64 * 1024;
}
