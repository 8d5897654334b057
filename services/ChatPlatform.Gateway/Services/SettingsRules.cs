using ChatPlatform.Gateway.Model;

namespace ChatPlatform.Gateway.Services;

/// <summary>What acceptable settings look like; the model's existence is the router's to say (<see cref="ModelCatalog"/>).</summary>
public static class SettingsRules
{
    public const int MaxDisplayNameLength = 100;
    public const int MaxModelLength = 200;

    /// <summary>The same bound as a conversation's own system prompt in chat (ConversationRules).</summary>
    public const int MaxSystemPromptLength = 100_000;

    /// <summary>The name as stored (trimmed; null when empty), or null with an error added.</summary>
    public static string? DisplayName(string? name, IDictionary<string, string[]> errors)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }
        if (trimmed.Length > MaxDisplayNameLength)
        {
            errors["displayName"] = [$"The name must be at most {MaxDisplayNameLength} characters."];
        }
        else if (trimmed.Any(char.IsControl))
        {
            errors["displayName"] = ["The name must not contain control characters."];
        }
        return trimmed;
    }

    /// <summary>The preferences as stored (defaults for what was left out), with errors added for what is not acceptable.</summary>
    public static UserSettings Preferences(UpdateSettingsRequest request, UserSettings current, IDictionary<string, string[]> errors)
    {
        var model = string.IsNullOrWhiteSpace(request.DefaultModel) ? null : request.DefaultModel.Trim();
        if (model is not null && (model.Length > MaxModelLength || model.Any(char.IsControl)))
        {
            errors["defaultModel"] = [$"A model id of at most {MaxModelLength} characters is expected."];
        }
        var theme = request.Theme ?? Themes.System;
        if (!Themes.All.Contains(theme, StringComparer.Ordinal))
        {
            errors["theme"] = [$"The theme must be one of: {string.Join(", ", Themes.All)}."];
        }
        var prompt = string.IsNullOrWhiteSpace(request.SystemPrompt) ? null : request.SystemPrompt;
        if (prompt is not null && prompt.Length > MaxSystemPromptLength)
        {
            errors["systemPrompt"] = [$"The system prompt must be at most {MaxSystemPromptLength} characters."];
        }
        return current with { DefaultModel = model, Theme = theme, EnterToSend = request.EnterToSend ?? true, SystemPrompt = prompt };
    }
}
