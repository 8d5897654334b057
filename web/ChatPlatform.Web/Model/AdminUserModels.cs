using System.Text.Json;

namespace ChatPlatform.Web.Model;

/// <summary>An account as the gateway's <c>/v1/admin/users</c> shows it.</summary>
public sealed record AdminUser(Guid Id, string Email, string Role, string Tier, bool Disabled, DateTimeOffset? DisabledAt, DateTimeOffset CreatedAt);

public sealed record AdminUserPage(IReadOnlyList<AdminUser> Items, string? Next);

/// <summary>What the Users page filters by; empty means any.</summary>
public sealed class AdminUserFilter
{
    public const int PageSize = 50;

    public string? Query { get; set; }

    public string? Role { get; set; }

    public string? Tier { get; set; }

    public string? Disabled { get; set; }
}

/// <summary>Null fields are left out of the body and stay as they are.</summary>
public sealed record UpdateUserRequest(bool? Disabled = null, string? Role = null, string? Tier = null);

public sealed record RevokedSessions(int Sessions);

public sealed record AuditLogItem(
    string Service, long Id, DateTimeOffset At, Guid? UserId, string? UserEmail, string Action, string Entity, string EntityId,
    JsonElement? Before, JsonElement? After);

public sealed record AuditLogPage(IReadOnlyList<AuditLogItem> Items, string? Next);

/// <summary>
/// A user's own quota limits (<c>/v1/admin/users/{id}/quotas</c>); a null limit is the user's tier's value.
/// </summary>
public sealed record QuotaOverrides(QuotaLimits Daily, QuotaLimits Monthly)
{
    public static QuotaOverrides None { get; } = new(new QuotaLimits(null, null), new QuotaLimits(null, null));
}

public sealed record QuotaLimits(long? Tokens, decimal? CostUsd);

public sealed record QuotaOverridesBody(QuotaOverrides? Overrides);
