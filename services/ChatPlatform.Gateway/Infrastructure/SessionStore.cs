using ChatPlatform.Gateway.Model;
using Npgsql;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary>A session as stored: its family, device, and the times of its first and latest refresh token.</summary>
public sealed record StoredSession(Guid Id, string? UserAgent, string? Address, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt);

/// <summary>
/// The user's signed-in sessions: <c>identity.sessions</c> (where each was signed in from) over the refresh-token
/// families of <c>identity.refresh_tokens</c>. A session is live while its newest token is unspent, unrevoked and unexpired.
/// </summary>
public sealed class SessionStore(NpgsqlDataSource dataSource)
{
    private const string Schema = UserStore.Schema;

    public async Task RecordAsync(Guid userId, Guid sessionId, SessionDevice device, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO {Schema}.sessions (user_id, id, user_agent, address) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = sessionId });
        command.Parameters.Add(new() { Value = device.UserAgent });
        command.Parameters.Add(new() { Value = device.Address });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The user's live sessions, the most recently seen first.</summary>
    public async Task<IReadOnlyList<StoredSession>> ListLiveAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT t.family_id, s.user_agent, s.address, min(t.created_at), max(t.created_at)
            FROM {Schema}.refresh_tokens t
            LEFT JOIN {Schema}.sessions s ON s.user_id = t.user_id AND s.id = t.family_id
            WHERE t.user_id = $1
            GROUP BY t.family_id, s.user_agent, s.address
            HAVING bool_or(t.used_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > now())
            ORDER BY max(t.created_at) DESC, t.family_id
            """);
        command.Parameters.Add(new() { Value = userId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var sessions = new List<StoredSession>();
        while (await reader.ReadAsync(cancellationToken))
        {
            sessions.Add(new StoredSession(
                reader.GetGuid(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetFieldValue<DateTimeOffset>(4)));
        }
        return sessions;
    }

    /// <summary>Revokes one of the user's live sessions; false when it is not theirs, unknown or already over.</summary>
    public async Task<bool> RevokeAsync(Guid userId, Guid sessionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE {Schema}.refresh_tokens SET revoked_at = now()
            WHERE user_id = $1 AND family_id = $2 AND revoked_at IS NULL AND expires_at > now()
              AND EXISTS (SELECT 1 FROM {Schema}.refresh_tokens l WHERE l.user_id = $1 AND l.family_id = $2
                          AND l.used_at IS NULL AND l.revoked_at IS NULL AND l.expires_at > now())
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = sessionId });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>Revokes every session of the user but <paramref name="keep"/>; the sessions revoked.</summary>
    public async Task<IReadOnlyList<Guid>> RevokeOthersAsync(Guid userId, Guid keep, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await RevokeOthersAsync(connection, null, userId, keep, cancellationToken);
    }

    /// <summary>The same, inside the caller's transaction (a password change revokes in the transaction that changes it).</summary>
    public static async Task<IReadOnlyList<Guid>> RevokeOthersAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid userId, Guid keep, CancellationToken cancellationToken)
    {
        // Unexpired tokens only: an expired family has no live access token left to deny.
        await using var command = new NpgsqlCommand($"""
            WITH revoked AS (
                UPDATE {Schema}.refresh_tokens SET revoked_at = now()
                WHERE user_id = $1 AND family_id <> $2 AND revoked_at IS NULL AND expires_at > now()
                RETURNING family_id)
            SELECT DISTINCT family_id FROM revoked
            """, connection, transaction);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = keep });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var families = new List<Guid>();
        while (await reader.ReadAsync(cancellationToken))
        {
            families.Add(reader.GetGuid(0));
        }
        return families;
    }
}
