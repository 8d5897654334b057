using Microsoft.Extensions.Configuration;

namespace ChatPlatform.AppHost;

/// <summary>
/// Which of the host's settings each service receives: its own sections and variables, nothing else. The host's
/// environment is otherwise inherited by every child, so these settings (and every connection string) are taken out
/// of it before anything starts and handed to the services that need them.
/// </summary>
internal sealed record ServiceSettings(string[] Sections, string[] Variables)
{
    public static readonly ServiceSettings ModelRouter = new(
        ["Routing", "Catalog", "Providers"],
        ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_OPENAI_*", "OPENAI_COMPATIBLE_*"]);

    public static readonly ServiceSettings Gateway = new(["Auth", "RateLimits"], []);

    public static readonly ServiceSettings Chat = new(["Turns"], []);

    /// <summary>Which embedding model ingestion uses (local MiniLM, or one through the model router).</summary>
    public static readonly ServiceSettings Ingestion = new(["Embeddings"], []);

    /// <summary>The event log's Kafka settings (topic, client settings), for the services that append or consume events.</summary>
    public static readonly ServiceSettings EventLog = new(["EventLog"], []);

    /// <summary>The internal key: handed to each service but web by <c>WithInternalKey</c>, never inherited.</summary>
    public static readonly ServiceSettings Internal = new(["Internal"], []);

    private static readonly ServiceSettings Everything = new(
        ["ConnectionStrings", .. new[] { ModelRouter, Gateway, Chat, Ingestion, EventLog, Internal }.SelectMany(s => s.Sections)],
        [.. new[] { ModelRouter, Gateway, Chat }.SelectMany(s => s.Variables)]);

    /// <summary>Whether <paramref name="key"/> (in configuration's form, <c>Section:Name</c>) is one of these settings.</summary>
    public bool Includes(string key) =>
        Sections.Any(section => key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase))
        || Variables.Any(variable => variable.EndsWith('*')
            ? key.StartsWith(variable[..^1], StringComparison.OrdinalIgnoreCase)
            : key.Equals(variable, StringComparison.OrdinalIgnoreCase));

    /// <summary>Takes the platform's settings out of the host's own environment, which the children would inherit.</summary>
    public static void KeepFromChildren()
    {
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>())
        {
            if (Everything.Includes(name.Replace("__", ":", StringComparison.Ordinal)))
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }

    public IEnumerable<KeyValuePair<string, string>> From(IConfiguration configuration) =>
        configuration.AsEnumerable()
            .Where(setting => setting.Value is not null && Includes(setting.Key))
            .Select(setting => KeyValuePair.Create(setting.Key.Replace(":", "__", StringComparison.Ordinal), setting.Value!));
}
