using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Infrastructure;

/// <summary>
/// The admin console's accounts and audit log. The gateway decides who may call these (role admin, still enabled):
/// the web app only hides the links, so a non-admin gets the gateway's 403 here.
/// </summary>
public sealed partial class GatewayClient
{
    public Task<AdminUserPage> ListUsersAsync(AdminUserFilter filter, string? cursor, CancellationToken cancellationToken)
    {
        var query = new List<string> { $"limit={AdminUserFilter.PageSize}" };
        if (!string.IsNullOrWhiteSpace(filter.Query))
        {
            query.Add($"q={Uri.EscapeDataString(filter.Query.Trim())}");
        }
        if (filter.Role is { Length: > 0 } role)
        {
            query.Add($"role={Uri.EscapeDataString(role)}");
        }
        if (filter.Tier is { Length: > 0 } tier)
        {
            query.Add($"tier={Uri.EscapeDataString(tier)}");
        }
        if (filter.Disabled is { Length: > 0 } disabled)
        {
            query.Add($"disabled={Uri.EscapeDataString(disabled)}");
        }
        if (cursor is not null)
        {
            query.Add($"cursor={Uri.EscapeDataString(cursor)}");
        }
        return SendAsync<AdminUserPage>(HttpMethod.Get, "/v1/admin/users?" + string.Join('&', query), null, cancellationToken);
    }

    public Task<AdminUser> UpdateUserAsync(Guid id, UpdateUserRequest request, CancellationToken cancellationToken) =>
        SendAsync<AdminUser>(HttpMethod.Patch, $"/v1/admin/users/{id}", request, cancellationToken);

    public Task<RevokedSessions> RevokeSessionsAsync(Guid id, CancellationToken cancellationToken) =>
        SendAsync<RevokedSessions>(HttpMethod.Post, $"/v1/admin/users/{id}/revoke-sessions", null, cancellationToken);

    public async Task<QuotaOverrides> GetQuotaOverridesAsync(Guid id, CancellationToken cancellationToken) =>
        (await SendAsync<QuotaOverridesBody>(HttpMethod.Get, $"/v1/admin/users/{id}/quotas", null, cancellationToken)).Overrides ?? QuotaOverrides.None;

    /// <summary>
    /// Replaces the user's overrides; every limit is sent, null ones as null (back to the tier's value). The answer's
    /// overrides when it has a body, else (204) the ones sent.
    /// </summary>
    public async Task<QuotaOverrides> SetQuotaOverridesAsync(Guid id, QuotaOverrides overrides, CancellationToken cancellationToken)
    {
        // The serializer options leave nulls out of an object, but here null is a value ("the tier's"): a JsonObject keeps it.
        static JsonObject Window(QuotaLimits limits) => new() { ["tokens"] = limits.Tokens, ["costUsd"] = limits.CostUsd };
        var body = new JsonObject { ["overrides"] = new JsonObject { ["daily"] = Window(overrides.Daily), ["monthly"] = Window(overrides.Monthly) } };
        using var response = await SendRawAsync(HttpClientName, HttpMethod.Put, $"/v1/admin/users/{id}/quotas", body, null, cancellationToken);
        if (response.Content.Headers.ContentLength == 0 || response.StatusCode == System.Net.HttpStatusCode.NoContent)
        {
            return overrides;
        }
        var saved = await response.Content.ReadFromJsonAsync<QuotaOverridesBody>(JsonDefaults.Options, cancellationToken);
        return saved?.Overrides ?? overrides;
    }

    public Task<AuditLogPage> ListAuditAsync(string? cursor, CancellationToken cancellationToken) =>
        SendAsync<AuditLogPage>(HttpMethod.Get, cursor is null ? "/v1/admin/audit" : $"/v1/admin/audit?cursor={Uri.EscapeDataString(cursor)}", null, cancellationToken);
}
