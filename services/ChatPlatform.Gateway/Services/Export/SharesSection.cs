using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Gateway.Infrastructure;

namespace ChatPlatform.Gateway.Services.Export;

/// <summary>Every shared link of the caller's, from chat's list (docs/conversations.md, Sharing).</summary>
public sealed class SharesSection : IExportSection
{
    private const int PageSize = 100;

    public string Contents =>
        "`shares/shares.json`: your shared links (id, link, conversation, visibility, expiry, indexable, when made and updated); " +
        "each shows the branch of its conversation that was copied when it was made or last updated.";

    public async Task WriteAsync(ExportSession session, ZipArchive zip, CancellationToken cancellationToken)
    {
        var shares = new JsonArray();
        string? cursor = null;
        do
        {
            var page = await session.GetJsonAsync(Upstreams.Chat,
                $"/v1/shares?limit={PageSize}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"), cancellationToken);
            foreach (var share in page["items"]?.AsArray() ?? [])
            {
                shares.Add(share?.DeepClone());
            }
            cursor = (string?)page["nextCursor"];
        }
        while (cursor is not null);

        await using var entry = await zip.CreateEntry("shares/shares.json", CompressionLevel.Fastest).OpenAsync(cancellationToken);
        await JsonSerializer.SerializeAsync(entry, new JsonObject { ["format"] = "chatplatform.shares", ["version"] = 1, ["shares"] = shares },
            ExportJson.Options, cancellationToken);
    }
}
