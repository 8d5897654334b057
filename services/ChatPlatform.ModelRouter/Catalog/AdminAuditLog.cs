using System.Security.Claims;
using System.Text.Json;
using ChatPlatform.Identity;
using Npgsql;
using NpgsqlTypes;

namespace ChatPlatform.ModelRouter.Catalog;

/// <summary>Who made an admin change, as the internal token says.</summary>
public sealed record AdminActor(Guid? UserId, string? Email)
{
    public static AdminActor From(ClaimsPrincipal principal) =>
        new(principal.UserId(), principal.FindFirstValue(InternalClaims.Email));
}

/// <summary>One row of <c>router.admin_audit</c>; <see cref="Before"/> and <see cref="After"/> are the entry's definition.</summary>
public sealed record AdminAuditEntry(
    long Id, DateTimeOffset At, Guid? UserId, string? UserEmail, string Action, string Entity, string EntityId,
    JsonElement? Before, JsonElement? After);

/// <summary>
/// <c>router.admin_audit</c>: appended inside the caller's transaction (see <see cref="CatalogStore"/>), read newest
/// first a page at a time.
/// </summary>
public sealed class AdminAuditLog(NpgsqlDataSource dataSource)
{
    public const string Create = "create";
    public const string Update = "update";
    public const string Delete = "delete";
    public const string Model = "model";
    public const string Deployment = "deployment";

    internal static async Task AppendAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, AdminActor actor, string action, string entity, string entityId,
        object? before, object? after, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            INSERT INTO {CatalogStore.Schema}.admin_audit (user_id, user_email, action, entity, entity_id, before, after)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = actor.UserId, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = actor.Email, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = action });
        command.Parameters.Add(new NpgsqlParameter { Value = entity });
        command.Parameters.Add(new NpgsqlParameter { Value = entityId });
        command.Parameters.Add(Json(before));
        command.Parameters.Add(Json(after));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>At most <paramref name="limit"/> entries older than <paramref name="beforeId"/> (all when null), newest first.</summary>
    public async Task<IReadOnlyList<AdminAuditEntry>> ListAsync(long? beforeId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT id, at, user_id, user_email, action, entity, entity_id, before, after
            FROM {CatalogStore.Schema}.admin_audit
            WHERE $1::bigint IS NULL OR id < $1
            ORDER BY id DESC
            LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter<long?> { TypedValue = beforeId, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<AdminAuditEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new AdminAuditEntry(
                reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : reader.GetGuid(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6),
                reader.IsDBNull(7) ? null : JsonDocument.Parse(reader.GetString(7)).RootElement,
                reader.IsDBNull(8) ? null : JsonDocument.Parse(reader.GetString(8)).RootElement));
        }
        return entries;
    }

    private static NpgsqlParameter<string?> Json(object? value) => new()
    {
        TypedValue = value is null ? null : JsonSerializer.Serialize(value, value.GetType(), JsonDefaults.Options),
        NpgsqlDbType = NpgsqlDbType.Jsonb,
    };
}
