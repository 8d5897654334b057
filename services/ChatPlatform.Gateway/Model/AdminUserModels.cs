using System.Text.Json;

namespace ChatPlatform.Gateway.Model;

/// <summary>What the admin console shows of an account: never its password hash, refresh tokens or keys.</summary>
public sealed record AdminUser(Guid Id, string Email, string Role, string Tier, bool Disabled, DateTimeOffset? DisabledAt, DateTimeOffset CreatedAt)
{
    public static AdminUser From(User user) =>
        new(user.Id, user.Email, user.Role, user.Tier, user.IsDisabled, user.DisabledAt, user.CreatedAt);
}

/// <param name="Next">Pass as <c>cursor</c> for the next page; null on the last page.</param>
public sealed record AdminUserPage(IReadOnlyList<AdminUser> Items, string? Next);

/// <summary>
/// <c>PATCH /v1/admin/users/{id}</c>: the fields to change; absent fields stay as they are. Per-user quota overrides
/// belong to the quotas work and get their own route (<c>/v1/admin/users/{id}/quotas</c>), not a field here.
/// </summary>
public sealed record UpdateUserRequest(bool? Disabled, string? Role, string? Tier);

/// <summary>An account as the audit log records it before and after a change: no secret, no timestamps.</summary>
public sealed record AuditedUser(string Email, string Role, string Tier, bool Disabled)
{
    public static AuditedUser From(User user) => new(user.Email, user.Role, user.Tier, user.IsDisabled);
}

/// <summary><c>POST /v1/admin/users/{id}/revoke-sessions</c>: how many sessions (refresh-token families) were live.</summary>
public sealed record RevokedSessions(int Sessions);

/// <summary>One admin change in the merged log of the gateway (accounts) and the model router (catalog).</summary>
/// <param name="Service">Whose log holds it: <c>gateway</c> or <c>model-router</c>; the id is unique per service.</param>
public sealed record AuditLogItem(
    string Service, long Id, DateTimeOffset At, Guid? UserId, string? UserEmail, string Action, string Entity, string EntityId,
    JsonElement? Before, JsonElement? After);

/// <param name="Next">Pass as <c>cursor</c> for the next (older) page; null on the last page.</param>
public sealed record AuditLogPage(IReadOnlyList<AuditLogItem> Items, string? Next);
