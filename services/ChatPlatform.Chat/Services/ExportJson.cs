using System.Text.Json;

namespace ChatPlatform.Chat.Services;

/// <summary>How an export is written: the API's names (camelCase), indented for a person who opens the file.</summary>
public static class ExportJson
{
    public static readonly JsonSerializerOptions Options = new(JsonDefaults.Options) { WriteIndented = true };
}
