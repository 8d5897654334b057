using System.IO.Compression;
using System.Text.Json;
using ChatPlatform.Gateway.Infrastructure;

namespace ChatPlatform.Gateway.Services.Export;

/// <summary>
/// The preferences the user set (<c>GET /v1/me/settings</c>: name, default model, theme, Enter to send, system prompt),
/// from the gateway's own store, as that route answers them, so that they can be read back or set again elsewhere.
/// </summary>
public sealed class SettingsSection(UserSettingsStore settings) : IExportSection
{
    public string Contents => "`settings.json`: your preferences (display name, default model, theme, Enter to send, system prompt), as `GET /v1/me/settings` answers them.";

    public async Task WriteAsync(ExportSession session, ZipArchive zip, CancellationToken cancellationToken)
    {
        var preferences = await settings.GetAsync(session.User.Id, cancellationToken);
        await using var entry = await zip.CreateEntry("settings.json", CompressionLevel.Fastest).OpenAsync(cancellationToken);
        await JsonSerializer.SerializeAsync(entry, new
        {
            format = "chatplatform.settings",
            version = 1,
            preferences.DisplayName,
            preferences.DefaultModel,
            preferences.Theme,
            preferences.EnterToSend,
            preferences.SystemPrompt,
        }, ExportJson.Options, cancellationToken);
    }
}
