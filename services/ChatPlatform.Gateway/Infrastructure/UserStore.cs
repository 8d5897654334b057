using System.Data.Common;
using ChatPlatform.Gateway.Model;
using Npgsql;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary><c>identity.users</c>.</summary>
public sealed class UserStore(NpgsqlDataSource dataSource)
{
    public const string Schema = "identity";
    internal const string Columns = "id, email, password_hash, role, tier, created_at, disabled_at";

    /// <summary>
    /// Inserts the user; returns null when the email is taken. The admin is the account with <paramref name="adminEmail"/>
    /// when one is configured (a public deployment then has no race to be first), else the first account. The table
    /// lock makes "the first account is admin" hold under concurrent registrations; registrations are rare enough for
    /// it not to matter.
    /// </summary>
    public async Task<User?> CreateAsync(Guid id, string email, string passwordHash, string? adminEmail, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand($"LOCK TABLE {Schema}.users IN SHARE ROW EXCLUSIVE MODE", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var command = new NpgsqlCommand($"""
            INSERT INTO {Schema}.users (id, email, password_hash, role)
            SELECT $1, $2, $3, CASE WHEN $2 = $4 OR ($4 IS NULL AND NOT EXISTS (SELECT 1 FROM {Schema}.users)) THEN 'admin' ELSE 'user' END
            ON CONFLICT (email) DO NOTHING
            RETURNING {Columns}
            """, connection, transaction);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = email });
        command.Parameters.Add(new() { Value = passwordHash });
        command.Parameters.Add(new() { Value = (object?)adminEmail ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        User? user = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                user = Read(reader);
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return user;
    }

    public Task<User?> FindByEmailAsync(string email, CancellationToken cancellationToken) =>
        FindAsync("email = $1", email, cancellationToken);

    public Task<User?> FindByIdAsync(Guid id, CancellationToken cancellationToken) =>
        FindAsync("id = $1", id, cancellationToken);

    private async Task<User?> FindAsync(string where, object value, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM {Schema}.users WHERE {where}");
        command.Parameters.Add(new() { Value = value });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>
    /// Replaces the password hash and, in the same transaction, revokes every session but <paramref name="keepSession"/>:
    /// whoever knew the old password must not stay signed in. The sessions revoked, for their access tokens to be denied.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> ChangePasswordAsync(Guid userId, string passwordHash, Guid keepSession, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand($"UPDATE {Schema}.users SET password_hash = $2 WHERE id = $1", connection, transaction))
        {
            command.Parameters.Add(new() { Value = userId });
            command.Parameters.Add(new() { Value = passwordHash });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        var revoked = await SessionStore.RevokeOthersAsync(connection, transaction, userId, keepSession, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return revoked;
    }

    /// <summary>
    /// Whether the user's access tokens (of <paramref name="sessionId"/>, when given) are refused: the user is disabled or
    /// the session's refresh-token family was revoked. Asked only while Redis, which answers this normally, is out of
    /// reach. An unknown user is not refused here: tokens name only users the gateway created, and none is ever deleted.
    /// </summary>
    public async Task<bool> IsSessionRefusedAsync(Guid userId, Guid? sessionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT u.disabled_at IS NOT NULL OR EXISTS (
                SELECT 1 FROM {Schema}.refresh_tokens t WHERE t.user_id = u.id AND t.family_id = $2 AND t.revoked_at IS NOT NULL)
            FROM {Schema}.users u WHERE u.id = $1
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = sessionId, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    internal static User Read(DbDataReader reader, int offset = 0) => new(
        reader.GetGuid(offset),
        reader.GetString(offset + 1),
        reader.GetString(offset + 2),
        reader.GetString(offset + 3),
        reader.GetString(offset + 4),
        reader.GetFieldValue<DateTimeOffset>(offset + 5),
        reader.IsDBNull(offset + 6) ? null : reader.GetFieldValue<DateTimeOffset>(offset + 6));
}
