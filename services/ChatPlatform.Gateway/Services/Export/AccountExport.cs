using System.IO.Compression;
using System.Security.Claims;
using System.Text;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;

namespace ChatPlatform.Gateway.Services.Export;

/// <summary>
/// A user's data as one zip, written straight into the response as each service streams its part: nothing is held
/// whole but one conversation's JSON page at a time. When a service fails midway the zip cannot be finished honestly,
/// so the connection is cut and the client sees a broken download, never a complete-looking zip with parts missing.
/// </summary>
public sealed partial class AccountExport(IEnumerable<IExportSection> sections, UpstreamClient upstream, ILogger<AccountExport> logger)
{
    /// <summary>What the zip does not hold, and why; its README says so too (docs/conversations.md, Export).</summary>
    public static readonly string[] LeftOut =
    [
        "API keys, sessions and the password: secrets are never exported; API keys are listed at /v1/api-keys.",
        "What is derived from files (extracted text, chunks, embeddings, page previews): rebuilt from the bytes on import.",
        "Quota overrides and the admin audit log: they are the operator's records, not yours.",
    ];

    public async Task WriteAsync(ClaimsPrincipal principal, User user, HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var session = new ExportSession(principal, user, upstream);
        await using var body = new DeferredSyncWriteStream(context.Response.Body);
        try
        {
            await using (var zip = await ZipArchive.CreateAsync(body, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, cancellationToken))
            {
                await using (var readme = await zip.CreateEntry("README.md", CompressionLevel.Fastest).OpenAsync(cancellationToken))
                {
                    await readme.WriteAsync(Encoding.UTF8.GetBytes(Readme()), cancellationToken);
                }
                foreach (var section in sections)
                {
                    await section.WriteAsync(session, zip, cancellationToken);
                }
            }
            // The central directory, and whatever the last entry's close wrote synchronously.
            await body.FlushAsync(cancellationToken);
        }
        catch (ExportFailedException e)
        {
            LogExportCut(logger, e, e.Service, e.Status);
            context.Abort();
        }
    }

    private string Readme()
    {
        var text = new StringBuilder("# Your ChatPlatform data\n\n");
        foreach (var section in sections)
        {
            text.Append("- ").Append(section.Contents).Append('\n');
        }
        text.Append("\nNot in this export:\n\n");
        foreach (var line in LeftOut)
        {
            text.Append("- ").Append(line).Append('\n');
        }
        return text.ToString();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An export was cut: {Service} answered {Status}")]
    private static partial void LogExportCut(ILogger logger, Exception exception, string service, int status);
}
