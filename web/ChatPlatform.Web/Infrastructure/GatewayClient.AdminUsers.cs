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

    public Task<AuditLogPage> ListAuditAsync(string? cursor, CancellationToken cancellationToken) =>
        SendAsync<AuditLogPage>(HttpMethod.Get, cursor is null ? "/v1/admin/audit" : $"/v1/admin/audit?cursor={Uri.EscapeDataString(cursor)}", null, cancellationToken);
}
