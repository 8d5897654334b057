using System.Text.Json;
using Npgsql;
using Microsoft.Extensions.Hosting;
using NpgsqlTypes;

namespace ChatPlatform.Audit;

/// <summary>
/// A service's <c>{schema}.admin_audit</c> (the same columns in every schema: see the router's and the gateway's
/// migrations): appended inside the transaction of the change it describes, so a change is never without its row, and
/// read newest first a page at a time. Callers pass before and after states that hold no secret.
/// </summary>
public sealed class AdminAuditLog(NpgsqlDataSource dataSource, string schema)
{
    public const string Create = "create";
    public const string Update = "update";
    public const string Delete = "delete";

    public string Schema { get; } = schema;

    public async Task AppendAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, AdminActor actor, string action, string entity, string entityId,
        object? before, object? after, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            INSERT INTO {Schema}.admin_audit (user_id, user_email, action, entity, entity_id, before, after)
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
            FROM {Schema}.admin_audit
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
