using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Infrastructure;

/// <summary>The person's own account: settings, profile, password, API keys and sessions (interactive sessions only).</summary>
public sealed partial class GatewayClient
{
    public Task<UserSettings> GetSettingsAsync(CancellationToken cancellationToken) =>
        SendAsync<UserSettings>(HttpMethod.Get, "/v1/me/settings", null, cancellationToken);

    public Task<UserSettings> SaveSettingsAsync(UserSettings settings, CancellationToken cancellationToken) =>
        SendAsync<UserSettings>(HttpMethod.Put, "/v1/me/settings",
            new { settings.DefaultModel, settings.Theme, settings.EnterToSend, settings.SystemPrompt }, cancellationToken);

    /// <summary>Sets the profile's name (an empty one clears it); the settings, which carry it.</summary>
    public Task<UserSettings> SaveDisplayNameAsync(string displayName, CancellationToken cancellationToken) =>
        SendAsync<UserSettings>(HttpMethod.Patch, "/v1/me", new { displayName }, cancellationToken);

    /// <summary>Changes the password; the gateway signs out every other session and keeps this one.</summary>
    public async Task ChangePasswordAsync(string currentPassword, string newPassword, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpClientName, HttpMethod.Post, "/v1/me/password", new { currentPassword, newPassword }, null, cancellationToken);
    }

    public Task<IReadOnlyList<ApiKeySummary>> ListApiKeysAsync(CancellationToken cancellationToken) =>
        SendAsync<IReadOnlyList<ApiKeySummary>>(HttpMethod.Get, "/v1/api-keys", null, cancellationToken);

    public Task<CreatedApiKey> CreateApiKeyAsync(string name, CancellationToken cancellationToken) =>
        SendAsync<CreatedApiKey>(HttpMethod.Post, "/v1/api-keys", new { name }, cancellationToken);

    public async Task RevokeApiKeyAsync(Guid id, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpClientName, HttpMethod.Delete, $"/v1/api-keys/{id}", null, null, cancellationToken);
    }

    public Task<IReadOnlyList<SessionInfo>> ListSessionsAsync(CancellationToken cancellationToken) =>
        SendAsync<IReadOnlyList<SessionInfo>>(HttpMethod.Get, "/v1/me/sessions", null, cancellationToken);

    public async Task RevokeSessionAsync(Guid id, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpClientName, HttpMethod.Delete, $"/v1/me/sessions/{id}", null, null, cancellationToken);
    }

    public Task<RevokedSessionsCount> RevokeOtherSessionsAsync(CancellationToken cancellationToken) =>
        SendAsync<RevokedSessionsCount>(HttpMethod.Post, "/v1/me/sessions/revoke-others", null, cancellationToken);
}
