using ChatPlatform.Gateway.Model;
using Npgsql;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary><c>identity.two_factor</c> and its recovery codes. Secrets arrive and leave encrypted; codes as hashes.</summary>
public sealed class TwoFactorStore(NpgsqlDataSource dataSource)
{
    private const string Schema = UserStore.Schema;

    public async Task<TwoFactorRecord?> FindAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT secret, enabled_at IS NOT NULL, (SELECT count(*) FROM {Schema}.two_factor_recovery_codes c WHERE c.user_id = t.user_id)
            FROM {Schema}.two_factor t WHERE user_id = $1
            """);
        command.Parameters.Add(new() { Value = userId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new TwoFactorRecord(reader.GetFieldValue<byte[]>(0), reader.GetBoolean(1), (int)reader.GetInt64(2))
            : null;
    }

    public async Task<bool> IsEnabledAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT EXISTS (SELECT 1 FROM {Schema}.two_factor WHERE user_id = $1 AND enabled_at IS NOT NULL)");
        command.Parameters.Add(new() { Value = userId });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>Keeps a new, not yet confirmed secret (replacing an unconfirmed one); false when two-factor is already on.</summary>
    public async Task<bool> SavePendingAsync(Guid userId, byte[] sealedSecret, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO {Schema}.two_factor (user_id, secret) VALUES ($1, $2)
            ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, last_step = 0, created_at = now()
            WHERE {Schema}.two_factor.enabled_at IS NULL
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = sealedSecret });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Turns the pending secret on, spending <paramref name="step"/>, and replaces the recovery codes, in one transaction;
    /// false when there is no pending secret or the step was already spent.
    /// </summary>
    public async Task<bool> EnableAsync(Guid userId, long step, IReadOnlyList<byte[]> recoveryCodeHashes, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var enable = new NpgsqlCommand($"""
            UPDATE {Schema}.two_factor SET enabled_at = now(), last_step = $2 WHERE user_id = $1 AND enabled_at IS NULL AND last_step < $2
            """, connection, transaction))
        {
            enable.Parameters.Add(new() { Value = userId });
            enable.Parameters.Add(new() { Value = step });
            if (await enable.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                return false;
            }
        }
        await using (var clear = new NpgsqlCommand($"DELETE FROM {Schema}.two_factor_recovery_codes WHERE user_id = $1", connection, transaction))
        {
            clear.Parameters.Add(new() { Value = userId });
            await clear.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var insert = new NpgsqlCommand(
            $"INSERT INTO {Schema}.two_factor_recovery_codes (user_id, code_hash) SELECT $1, unnest($2::bytea[])", connection, transaction))
        {
            insert.Parameters.Add(new() { Value = userId });
            insert.Parameters.Add(new() { Value = recoveryCodeHashes.ToArray() });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Spends a code's step: true only the first time, and only for a step later than any spent before (no replay).</summary>
    public async Task<bool> SpendStepAsync(Guid userId, long step, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE {Schema}.two_factor SET last_step = $2 WHERE user_id = $1 AND enabled_at IS NOT NULL AND last_step < $2
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = step });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Deletes the recovery code: true only for the one request that deleted it.</summary>
    public async Task<bool> SpendRecoveryCodeAsync(Guid userId, byte[] codeHash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            DELETE FROM {Schema}.two_factor_recovery_codes WHERE user_id = $1 AND code_hash = $2
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = codeHash });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task DisableAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new($"DELETE FROM {Schema}.two_factor_recovery_codes WHERE user_id = $1") { Parameters = { new() { Value = userId } } });
        batch.BatchCommands.Add(new($"DELETE FROM {Schema}.two_factor WHERE user_id = $1") { Parameters = { new() { Value = userId } } });
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
