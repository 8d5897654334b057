using System.IO.Compression;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Gateway.Infrastructure;

namespace ChatPlatform.Gateway.Services.Export;

/// <summary>The user's files from ingestion: each one's bytes as uploaded, and everything ingestion says about them.</summary>
public sealed class FilesSection : IExportSection
{
    private const int PageSize = 100;

    public string Contents =>
        "`files/{id}/{name}`: each file's bytes as uploaded; `files/files.json`: every file's metadata (name, type, size, " +
        "SHA-256, status, pages, created) and `path`, the entry holding its bytes (null when it has none to give: an upload " +
        "never finished, or the virus scan quarantined it).";

    public async Task WriteAsync(ExportSession session, ZipArchive zip, CancellationToken cancellationToken)
    {
        var index = new JsonArray();
        string? before = null;
        do
        {
            var page = await session.GetJsonAsync(Upstreams.Ingestion,
                $"/v1/files?limit={PageSize}" + (before is null ? "" : $"&before={before}"), cancellationToken);
            foreach (var item in page["files"]?.AsArray() ?? [])
            {
                var file = item!.DeepClone().AsObject();
                var id = Guid.Parse((string)file["id"]!);
                var path = $"files/{id}/{ZipEntryName.Of((string?)file["name"])}";
                var copied = (string?)file["status"] != "uploading" && await session.CopyToEntryAsync(zip, path, Upstreams.Ingestion,
                    $"/v1/files/{id}/content", cancellationToken, HttpStatusCode.NotFound, HttpStatusCode.Conflict, HttpStatusCode.Gone);
                file["path"] = copied ? path : null;
                index.Add(file);
            }
            before = page["nextBefore"] is { } next && Guid.TryParse((string?)next, out var b) ? b.ToString() : null;
        }
        while (before is not null);
        await using var entry = await zip.CreateEntry("files/files.json", CompressionLevel.Fastest).OpenAsync(cancellationToken);
        await JsonSerializer.SerializeAsync(entry, index, ExportJson.Options, cancellationToken);
    }
}
