using Npgsql;

namespace ChatPlatform.Gateway.Infrastructure;

public enum RefreshOutcome
{
    Rotated,
    Invalid,
    Reused,
}

/// <summary><c>identity.refresh_tokens</c>: issue, rotate (with reuse detection) and revoke by family.</summary>
public sealed class RefreshTokenStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Schema = UserStore.Schema;

    public async Task IssueAsync(Guid userId, Guid familyId, byte[] tokenHash, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO {Schema}.refresh_tokens (user_id, id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = Guid.CreateVersion7() });
        command.Parameters.Add(new() { Value = familyId });
        command.Parameters.Add(new() { Value = tokenHash });
        command.Parameters.Add(new() { Value = time.GetUtcNow() + lifetime });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Spends <paramref name="tokenHash"/> and issues <paramref name="newTokenHash"/> in the same family, atomically.
    /// A token already spent means it leaked (or the client raced itself): the whole family is revoked.
    /// </summary>
    public async Task<(RefreshOutcome Outcome, Guid UserId, Guid FamilyId)> RotateAsync(
        byte[] tokenHash, byte[] newTokenHash, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        Guid userId, id, familyId;
        DateTimeOffset expiresAt;
        bool used, revoked;
        await using (var select = new NpgsqlCommand($"""
            SELECT user_id, id, family_id, expires_at, used_at IS NOT NULL, revoked_at IS NOT NULL
            FROM {Schema}.refresh_tokens WHERE token_hash = $1 FOR UPDATE
            """, connection, transaction))
        {
            select.Parameters.Add(new() { Value = tokenHash });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return (RefreshOutcome.Invalid, Guid.Empty, Guid.Empty);
            }
            (userId, id, familyId, expiresAt, used, revoked) = (reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetBoolean(4), reader.GetBoolean(5));
        }
        var now = time.GetUtcNow();
        if (revoked || expiresAt <= now)
        {
            return (RefreshOutcome.Invalid, userId, familyId);
        }
        if (used)
        {
            await RevokeFamilyAsync(connection, transaction, userId, familyId, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return (RefreshOutcome.Reused, userId, familyId);
        }
        await using (var spend = new NpgsqlCommand($"""
            UPDATE {Schema}.refresh_tokens SET used_at = now() WHERE user_id = $1 AND id = $2;
            """, connection, transaction))
        {
            spend.Parameters.Add(new() { Value = userId });
            spend.Parameters.Add(new() { Value = id });
            await spend.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var issue = new NpgsqlCommand($"""
            INSERT INTO {Schema}.refresh_tokens (user_id, id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)
            """, connection, transaction))
        {
            issue.Parameters.Add(new() { Value = userId });
            issue.Parameters.Add(new() { Value = Guid.CreateVersion7() });
            issue.Parameters.Add(new() { Value = familyId });
            issue.Parameters.Add(new() { Value = newTokenHash });
            issue.Parameters.Add(new() { Value = now + lifetime });
            await issue.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return (RefreshOutcome.Rotated, userId, familyId);
    }

    /// <summary>Revokes the family the token belongs to; its id, or null when the token is unknown or already revoked.</summary>
    public async Task<Guid?> RevokeFamilyOfAsync(byte[] tokenHash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE {Schema}.refresh_tokens t SET revoked_at = now()
            FROM {Schema}.refresh_tokens s
            WHERE s.token_hash = $1 AND t.user_id = s.user_id AND t.family_id = s.family_id AND t.revoked_at IS NULL
            RETURNING t.family_id
            """);
        command.Parameters.Add(new() { Value = tokenHash });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? reader.GetGuid(0) : null;
    }

    private static async Task RevokeFamilyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, Guid familyId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            UPDATE {Schema}.refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND family_id = $2 AND revoked_at IS NULL
            """, connection, transaction);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = familyId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
