using System.Text.Json;

namespace ChatPlatform.Audit;

/// <summary>One row of a service's <c>admin_audit</c>; <see cref="Before"/> and <see cref="After"/> are the entity's state.</summary>
public sealed record AdminAuditEntry(
    long Id, DateTimeOffset At, Guid? UserId, string? UserEmail, string Action, string Entity, string EntityId,
    JsonElement? Before, JsonElement? After);

/// <param name="Next">Pass as <c>before</c> for the next (older) page; null on the last page.</param>
public sealed record AdminAuditPage(IReadOnlyList<AdminAuditEntry> Items, long? Next);
