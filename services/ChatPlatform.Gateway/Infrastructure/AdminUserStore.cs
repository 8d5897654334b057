using ChatPlatform.Audit;
using ChatPlatform.Gateway.Model;
using Npgsql;
using NpgsqlTypes;

namespace ChatPlatform.Gateway.Infrastructure;

public enum AdminUserOutcome
{
    Updated,
    Unchanged,
    NotFound,
    /// <summary>The acting admin is no longer an enabled admin (a token minted before a demotion).</summary>
    NotAnAdmin,
    /// <summary>An admin may not disable or demote themselves.</summary>
    SelfLockout,
    /// <summary>The change would leave no enabled admin.</summary>
    LastAdmin,
}

/// <param name="Sessions">The refresh-token families whose access tokens may still be live, to deny in Redis.</param>
/// <param name="Revoked">How many sessions had a live refresh token, now revoked.</param>
public sealed record AdminUserChange(
    AdminUserOutcome Outcome, User? Before = null, User? After = null, IReadOnlyList<Guid>? Sessions = null, int Revoked = 0);

/// <summary>
/// The admin console's reads and writes of <c>identity.users</c>. Every write runs in one transaction with its row in
/// <c>identity.admin_audit</c>, after locking the enabled admins' rows: two admins demoting each other at once are
/// serialised, so the last admin always stays.
/// </summary>
public sealed class AdminUserStore(NpgsqlDataSource dataSource, AdminAuditLog audit)
{
    private const string Schema = UserStore.Schema;
    public const string Entity = "user";
    public const string RevokeSessionsAction = "revoke-sessions";

    /// <summary>Users whose email contains <paramref name="query"/> and who match the filters, by id, after <paramref name="after"/>.</summary>
    public async Task<IReadOnlyList<User>> SearchAsync(
        string? query, string? role, string? tier, bool? disabled, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {UserStore.Columns} FROM {Schema}.users
            WHERE ($1::text IS NULL OR email LIKE '%' || $1 || '%')
              AND ($2::text IS NULL OR role = $2)
              AND ($3::text IS NULL OR tier = $3)
              AND ($4::boolean IS NULL OR (disabled_at IS NOT NULL) = $4)
              AND ($5::uuid IS NULL OR id > $5)
            ORDER BY id
            LIMIT $6
            """);
        command.Parameters.Add(Text(query is null ? null : EscapeLike(query.ToLowerInvariant())));
        command.Parameters.Add(Text(role));
        command.Parameters.Add(Text(tier));
        command.Parameters.Add(new NpgsqlParameter<bool?> { TypedValue = disabled, NpgsqlDbType = NpgsqlDbType.Boolean });
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = after, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var users = new List<User>();
        while (await reader.ReadAsync(cancellationToken))
        {
            users.Add(UserStore.Read(reader));
        }
        return users;
    }

    /// <summary>
    /// Applies the change. Disabling, or changing the role or tier (which every access token carries), revokes every
    /// refresh token and returns the sessions that issued access tokens within <paramref name="tokenWindow"/>, to deny.
    /// </summary>
    public async Task<AdminUserChange> UpdateAsync(
        AdminActor actor, Guid id, UpdateUserRequest change, TimeSpan tokenWindow, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var admins = await LockEnabledAdminsAsync(connection, transaction, cancellationToken);
        if (actor.UserId is not { } actorId || !admins.Contains(actorId))
        {
            return new(AdminUserOutcome.NotAnAdmin);
        }
        if (await FindForUpdateAsync(connection, transaction, id, cancellationToken) is not { } before)
        {
            return new(AdminUserOutcome.NotFound);
        }
        var after = before with
        {
            Role = change.Role ?? before.Role,
            Tier = change.Tier ?? before.Tier,
            DisabledAt = change.Disabled switch
            {
                true => before.DisabledAt ?? DateTimeOffset.UtcNow,
                false => null,
                null => before.DisabledAt,
            },
        };
        var staysAdmin = after.Role == Roles.Admin && !after.IsDisabled;
        if (id == actorId && !staysAdmin)
        {
            return new(AdminUserOutcome.SelfLockout, before);
        }
        if (admins.Contains(id) && !staysAdmin && admins.Count <= 1)
        {
            return new(AdminUserOutcome.LastAdmin, before);
        }
        if (AuditedUser.From(after) == AuditedUser.From(before))
        {
            return new(AdminUserOutcome.Unchanged, before, before, []);
        }
        await using (var update = new NpgsqlCommand($"""
            UPDATE {Schema}.users SET role = $2, tier = $3, disabled_at = CASE WHEN $4 THEN coalesce(disabled_at, now()) END
            WHERE id = $1 RETURNING {UserStore.Columns}
            """, connection, transaction))
        {
            update.Parameters.Add(new() { Value = id });
            update.Parameters.Add(new() { Value = after.Role });
            update.Parameters.Add(new() { Value = after.Tier });
            update.Parameters.Add(new() { Value = after.IsDisabled });
            await using var reader = await update.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            after = UserStore.Read(reader);
        }
        // Only enabling changes nothing a token carries; anything else ends the account's sessions.
        List<Guid> sessions = [];
        if (after.Role != before.Role || after.Tier != before.Tier || after.IsDisabled)
        {
            var revoked = await RevokeRefreshTokensAsync(connection, transaction, id, cancellationToken);
            sessions = [.. (await RecentSessionsAsync(connection, transaction, id, tokenWindow, cancellationToken)).Union(revoked)];
        }
        await audit.AppendAsync(connection, transaction, actor, AdminAuditLog.Update, Entity, id.ToString(),
            AuditedUser.From(before), AuditedUser.From(after), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new(AdminUserOutcome.Updated, before, after, sessions);
    }

    /// <summary>Revokes every refresh token of the user; the sessions whose access tokens may still be live.</summary>
    public async Task<AdminUserChange> RevokeSessionsAsync(AdminActor actor, Guid id, TimeSpan tokenWindow, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var admins = await LockEnabledAdminsAsync(connection, transaction, cancellationToken);
        if (actor.UserId is not { } actorId || !admins.Contains(actorId))
        {
            return new(AdminUserOutcome.NotAnAdmin);
        }
        if (await FindForUpdateAsync(connection, transaction, id, cancellationToken) is not { } user)
        {
            return new(AdminUserOutcome.NotFound);
        }
        var revoked = await RevokeRefreshTokensAsync(connection, transaction, id, cancellationToken);
        var sessions = (await RecentSessionsAsync(connection, transaction, id, tokenWindow, cancellationToken)).Union(revoked).ToList();
        await audit.AppendAsync(connection, transaction, actor, RevokeSessionsAction, Entity, id.ToString(),
            null, new RevokedSessions(revoked.Count), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new(AdminUserOutcome.Updated, user, user, sessions, revoked.Count);
    }

    private static async Task<HashSet<Guid>> LockEnabledAdminsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        // In id order, so concurrent admin changes take the locks in the same order and cannot deadlock.
        await using var command = new NpgsqlCommand(
            $"SELECT id FROM {Schema}.users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var admins = new HashSet<Guid>();
        while (await reader.ReadAsync(cancellationToken))
        {
            admins.Add(reader.GetGuid(0));
        }
        return admins;
    }

    private static async Task<User?> FindForUpdateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {UserStore.Columns} FROM {Schema}.users WHERE id = $1 FOR UPDATE", connection, transaction);
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? UserStore.Read(reader) : null;
    }

    /// <summary>The families that had a live refresh token, now revoked.</summary>
    private static async Task<List<Guid>> RevokeRefreshTokensAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            WITH revoked AS (
                UPDATE {Schema}.refresh_tokens SET revoked_at = now()
                WHERE user_id = $1 AND revoked_at IS NULL AND used_at IS NULL AND expires_at > now()
                RETURNING family_id)
            SELECT DISTINCT family_id FROM revoked
            """, connection, transaction);
        command.Parameters.Add(new() { Value = userId });
        return await ReadIdsAsync(command, cancellationToken);
    }

    /// <summary>Every access token is issued with a refresh token: a family with none issued in the window has no live access token.</summary>
    private static async Task<List<Guid>> RecentSessionsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, TimeSpan window, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT DISTINCT family_id FROM {Schema}.refresh_tokens WHERE user_id = $1 AND created_at > now() - $2",
            connection, transaction);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = window });
        return await ReadIdsAsync(command, cancellationToken);
    }

    private static async Task<List<Guid>> ReadIdsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<Guid>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }

    private static NpgsqlParameter<string?> Text(string? value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text };

    // LIKE's default escape is the backslash: the query's own %, _ and \ match themselves.
    private static string EscapeLike(string value) =>
        value.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);
}
