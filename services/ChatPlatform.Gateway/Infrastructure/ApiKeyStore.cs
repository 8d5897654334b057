using ChatPlatform.Gateway.Model;
using Npgsql;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary><c>identity.api_keys</c>: only the SHA-256 of a key is stored, plus a short prefix to recognise it by.</summary>
public sealed class ApiKeyStore(NpgsqlDataSource dataSource)
{
    private const string Schema = UserStore.Schema;

    public async Task<ApiKeySummary> CreateAsync(Guid userId, Guid id, string name, string prefix, byte[] keyHash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO {Schema}.api_keys (user_id, id, name, prefix, key_hash) VALUES ($1, $2, $3, $4, $5)
            RETURNING id, name, prefix, created_at, last_used_at
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = name });
        command.Parameters.Add(new() { Value = prefix });
        command.Parameters.Add(new() { Value = keyHash });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return ReadSummary(reader);
    }

    public async Task<IReadOnlyList<ApiKeySummary>> ListActiveAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT id, name, prefix, created_at, last_used_at FROM {Schema}.api_keys
            WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at, id
            """);
        command.Parameters.Add(new() { Value = userId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKeySummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(ReadSummary(reader));
        }
        return keys;
    }

    /// <summary>Revokes one of the user's own keys; false when it is not theirs, unknown or already revoked.</summary>
    public async Task<bool> RevokeAsync(Guid userId, Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE {Schema}.api_keys SET revoked_at = now() WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = id });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>How stale a key's last use may get before a request stamps it again: at most one write a minute per key.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The owner of an active key; null for unknown or revoked keys and disabled owners. Stamps the key's last use only
    /// when the stamp is older than <see cref="LastUsedResolution"/>: a key serving many requests a second then costs a
    /// read each, not a row write (and a dead tuple) each.
    /// </summary>
    public async Task<ApiKeyOwner?> UseAsync(byte[] keyHash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH active AS (
                SELECT k.user_id, k.id, k.last_used_at, u.email, u.password_hash, u.role, u.tier, u.created_at, u.disabled_at
                FROM {Schema}.api_keys k JOIN {Schema}.users u ON u.id = k.user_id
                WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND u.disabled_at IS NULL),
            stamped AS (
                UPDATE {Schema}.api_keys k SET last_used_at = now()
                FROM active a
                WHERE k.user_id = a.user_id AND k.id = a.id AND (a.last_used_at IS NULL OR a.last_used_at < now() - $2::interval))
            SELECT id, user_id, email, password_hash, role, tier, created_at, disabled_at FROM active
            """);
        command.Parameters.Add(new() { Value = keyHash });
        command.Parameters.Add(new() { Value = LastUsedResolution });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new ApiKeyOwner(reader.GetGuid(0), UserStore.Read(reader, 1)) : null;
    }

    private static ApiKeySummary ReadSummary(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetFieldValue<DateTimeOffset>(3),
        reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4));
}
