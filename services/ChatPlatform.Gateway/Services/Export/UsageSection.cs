using System.IO.Compression;
using ChatPlatform.Gateway.Infrastructure;

namespace ChatPlatform.Gateway.Services.Export;

/// <summary>Billing's ledger rows of the user (docs/usage.md), as the admin export writes them.</summary>
public sealed class UsageSection : IExportSection
{
    public string Contents =>
        "`usage/ledger.csv`: every usage ledger entry of yours (time, source, conversation, message, API key id, model, " +
        "deployment, provider, tokens, cost in USD), as billing keeps it.";

    public Task WriteAsync(ExportSession session, ZipArchive zip, CancellationToken cancellationToken) =>
        session.CopyToEntryAsync(zip, "usage/ledger.csv", Upstreams.Billing, "/v1/usage/export.csv", cancellationToken);
}
