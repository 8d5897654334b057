using System.Text.Json;

namespace ChatPlatform.Gateway.Services.Export;

/// <summary>The export's own JSON files: the API's names, indented for a person who opens them.</summary>
public static class ExportJson
{
    public static readonly JsonSerializerOptions Options = new(JsonDefaults.Options) { WriteIndented = true };
}
