using System.IO.Compression;

namespace ChatPlatform.Gateway.Services.Export;

/// <summary>
/// One part of a user's export zip (<c>GET /v1/export</c>), written from the service that owns the data. A new kind
/// of data joins the export as a section registered in <see cref="ExportExtensions.AddAccountExport"/>.
/// </summary>
public interface IExportSection
{
    /// <summary>What the section puts in the zip, one line of the zip's README.</summary>
    string Contents { get; }

    Task WriteAsync(ExportSession session, ZipArchive zip, CancellationToken cancellationToken);
}
