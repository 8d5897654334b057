using ChatPlatform.Audit;
using ChatPlatform.Quotas;
using Npgsql;
using NpgsqlTypes;

namespace ChatPlatform.Billing.Quotas;

/// <summary><c>billing.quota_overrides</c>: written with its audit row in one transaction, then mirrored into Redis.</summary>
public sealed class QuotaOverrideStore(NpgsqlDataSource db, AdminAuditLog audit)
{
    public const string AuditEntity = "quota_overrides";

    public async Task<QuotaOverrides> FindAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            "SELECT daily_tokens, daily_cost_usd, monthly_tokens, monthly_cost_usd FROM billing.quota_overrides WHERE user_id = $1");
        command.Parameters.Add(new() { Value = userId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : QuotaOverrides.None;
    }

    /// <summary>Every stored override, to mirror into a Redis that lost them.</summary>
    public async Task<IReadOnlyList<(Guid UserId, QuotaOverrides Overrides)>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            "SELECT daily_tokens, daily_cost_usd, monthly_tokens, monthly_cost_usd, user_id FROM billing.quota_overrides");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var all = new List<(Guid, QuotaOverrides)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            all.Add((reader.GetGuid(4), Read(reader)));
        }
        return all;
    }

    /// <summary>Stores the overrides (none at all deletes the row) and audits the change; returns what was there before.</summary>
    public async Task<QuotaOverrides> SetAsync(Guid userId, QuotaOverrides overrides, AdminActor actor, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        QuotaOverrides? before = null;
        await using (var read = new NpgsqlCommand(
            "SELECT daily_tokens, daily_cost_usd, monthly_tokens, monthly_cost_usd FROM billing.quota_overrides WHERE user_id = $1 FOR UPDATE",
            connection, transaction))
        {
            read.Parameters.Add(new() { Value = userId });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                before = Read(reader);
            }
        }
        var none = overrides == QuotaOverrides.None;
        await using (var write = new NpgsqlCommand(none
            ? "DELETE FROM billing.quota_overrides WHERE user_id = $1"
            : """
              INSERT INTO billing.quota_overrides (user_id, daily_tokens, daily_cost_usd, monthly_tokens, monthly_cost_usd)
              VALUES ($1, $2, $3, $4, $5)
              ON CONFLICT (user_id) DO UPDATE SET daily_tokens = $2, daily_cost_usd = $3, monthly_tokens = $4, monthly_cost_usd = $5,
                  updated_at = now()
              """, connection, transaction))
        {
            write.Parameters.Add(new() { Value = userId });
            if (!none)
            {
                write.Parameters.Add(Nullable(overrides.Daily.Tokens, NpgsqlDbType.Bigint));
                write.Parameters.Add(Nullable(overrides.Daily.CostUsd, NpgsqlDbType.Numeric));
                write.Parameters.Add(Nullable(overrides.Monthly.Tokens, NpgsqlDbType.Bigint));
                write.Parameters.Add(Nullable(overrides.Monthly.CostUsd, NpgsqlDbType.Numeric));
            }
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        var action = before is null ? AdminAuditLog.Create : none ? AdminAuditLog.Delete : AdminAuditLog.Update;
        await audit.AppendAsync(connection, transaction, actor, action, AuditEntity, userId.ToString(),
            before is null ? null : QuotaOverridesBody.From(before), none ? null : QuotaOverridesBody.From(overrides), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return before ?? QuotaOverrides.None;
    }

    private static QuotaOverrides Read(NpgsqlDataReader reader) => new(
        new QuotaLimit(reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.IsDBNull(1) ? null : Normalize(reader.GetDecimal(1))),
        new QuotaLimit(reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.IsDBNull(3) ? null : Normalize(reader.GetDecimal(3))));

    // numeric reads back with its scale; without trailing zeros it is the value the admin sent.
    private static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;

    private static NpgsqlParameter Nullable(object? value, NpgsqlDbType type) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };
}
