namespace ChatPlatform.Gateway.Model;

/// <summary>A user's preferences as stored and shown; every field has a default until the user changes it.</summary>
public sealed record UserSettings(string? DisplayName, string? DefaultModel, string Theme, bool EnterToSend, string? SystemPrompt)
{
    public static readonly UserSettings Defaults = new(null, null, Themes.System, true, null);
}

/// <summary><c>PUT /v1/me/settings</c>: the preferences (the name is the profile's, changed by <c>PATCH /v1/me</c>).</summary>
public sealed record UpdateSettingsRequest(string? DefaultModel, string? Theme, bool? EnterToSend, string? SystemPrompt);

/// <summary><c>PATCH /v1/me</c>: the profile; an empty name clears it.</summary>
public sealed record UpdateProfileRequest(string? DisplayName);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

/// <summary>One signed-in session (a refresh-token family): where, since when, last seen at its latest refresh.</summary>
public sealed record SessionInfo(
    Guid Id, string Device, string? UserAgent, string? Address, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, bool Current);

/// <summary>Where a session is signed in from, recorded at sign-in.</summary>
public sealed record SessionDevice(string UserAgent, string Address);

public static class Themes
{
    public const string System = "system";
    public const string Light = "light";
    public const string Dark = "dark";

    public static readonly string[] All = [System, Light, Dark];
}

public sealed record RevokedSessionsCount(int Revoked);
