using System.IO.Compression;
using System.Net;
using ChatPlatform.Gateway.Infrastructure;

namespace ChatPlatform.Gateway.Services.Export;

/// <summary>Every conversation, archived ones included, from chat's own export (docs/conversations.md, Export).</summary>
public sealed class ConversationsSection : IExportSection
{
    private const int PageSize = 100;

    public string Contents =>
        "`conversations/{id}.json`: each conversation's whole tree (every branch, roles, times, models, attachments' file ids and " +
        "names, citations, title, folder, tags, starred, archived), format `chatplatform.conversation` version 1; " +
        "`POST /v1/conversations/import` takes them back. `conversations/{id}.md`: the branch on screen, to read.";

    public async Task WriteAsync(ExportSession session, ZipArchive zip, CancellationToken cancellationToken)
    {
        foreach (var archived in new[] { "false", "true" })
        {
            string? cursor = null;
            do
            {
                var page = await session.GetJsonAsync(Upstreams.Chat,
                    $"/v1/conversations?limit={PageSize}&archived={archived}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"),
                    cancellationToken);
                foreach (var item in page["items"]?.AsArray() ?? [])
                {
                    // Chat's ids are UUIDs; parsed, so nothing else can reach an entry name or a path.
                    var id = Guid.Parse((string)item!["id"]!);
                    // A conversation deleted while the export runs is simply not in it.
                    if (await session.CopyToEntryAsync(zip, $"conversations/{id}.json", Upstreams.Chat,
                        $"/v1/conversations/{id}/export?format=json", cancellationToken, HttpStatusCode.NotFound))
                    {
                        await session.CopyToEntryAsync(zip, $"conversations/{id}.md", Upstreams.Chat,
                            $"/v1/conversations/{id}/export?format=markdown", cancellationToken, HttpStatusCode.NotFound);
                    }
                }
                cursor = (string?)page["nextCursor"];
            }
            while (cursor is not null);
        }
    }
}
