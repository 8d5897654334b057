using System.IO.Compression;
using System.Text.Json;

namespace ChatPlatform.Gateway.Services.Export;

/// <summary>The account itself, from the gateway's own store: who it is and since when, never its password hash.</summary>
public sealed class AccountSection(TimeProvider time) : IExportSection
{
    public string Contents => "`account.json`: your account (id, email, role, tier, created) and when this export was made.";

    public async Task WriteAsync(ExportSession session, ZipArchive zip, CancellationToken cancellationToken)
    {
        var user = session.User;
        await using var entry = await zip.CreateEntry("account.json", CompressionLevel.Fastest).OpenAsync(cancellationToken);
        await JsonSerializer.SerializeAsync(entry, new
        {
            format = "chatplatform.account",
            version = 1,
            exportedAt = time.GetUtcNow(),
            id = user.Id,
            email = user.Email,
            role = user.Role,
            tier = user.Tier,
            createdAt = user.CreatedAt,
        }, ExportJson.Options, cancellationToken);
    }
}
