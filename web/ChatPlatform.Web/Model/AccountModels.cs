namespace ChatPlatform.Web.Model;

/// <summary>The gateway's <c>/v1/me/settings</c>: preferences that follow the person to every device.</summary>
public sealed record UserSettings(string? DisplayName, string? DefaultModel, string Theme, bool EnterToSend, string? SystemPrompt)
{
    public static readonly UserSettings Defaults = new(null, null, "system", true, null);
}

public sealed record ApiKeySummary(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

/// <summary>The only time the whole key is seen: right after creating it.</summary>
public sealed record CreatedApiKey(Guid Id, string Name, string Prefix, string Key, DateTimeOffset CreatedAt);

/// <summary>One signed-in session, as <c>GET /v1/me/sessions</c> lists it.</summary>
public sealed record SessionInfo(
    Guid Id, string Device, string? UserAgent, string? Address, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, bool Current);

public sealed record RevokedSessionsCount(int Revoked);
