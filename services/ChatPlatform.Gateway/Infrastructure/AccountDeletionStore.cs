using ChatPlatform.EventLog;
using ChatPlatform.Gateway.Model;
using Npgsql;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary>
/// Deletes an account's identity rows (the user, and by cascade its refresh tokens, API keys and external logins) and
/// commits <see cref="AccountDeletedEvent"/> in the same transaction, which chat, ingestion and billing consume.
/// </summary>
public sealed class AccountDeletionStore(NpgsqlDataSource dataSource, IEventLog eventLog)
{
    public const string AccountDeletedEvent = "account.deleted";
    private const string Schema = UserStore.Schema;

    /// <summary>
    /// Locks the user, hands <paramref name="beforeCommit"/> every session (refresh-token family) it ever had, then
    /// deletes and commits. The row lock holds off a sign-in or refresh meanwhile: its insert waits on the user's key
    /// and then finds no user, so no session escapes the list. False when the user is gone already.
    /// </summary>
    public async Task<bool> DeleteAsync(Guid userId, Func<IReadOnlyList<Guid>, Task> beforeCommit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockUser = new NpgsqlCommand($"SELECT 1 FROM {Schema}.users WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            lockUser.Parameters.Add(new() { Value = userId });
            if (await lockUser.ExecuteScalarAsync(cancellationToken) is null)
            {
                return false;
            }
        }
        var sessions = new List<Guid>();
        await using (var families = new NpgsqlCommand(
            $"SELECT DISTINCT family_id FROM {Schema}.refresh_tokens WHERE user_id = $1", connection, transaction))
        {
            families.Parameters.Add(new() { Value = userId });
            await using var reader = await families.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                sessions.Add(reader.GetGuid(0));
            }
        }
        await using (var delete = new NpgsqlCommand($"DELETE FROM {Schema}.users WHERE id = $1", connection, transaction))
        {
            delete.Parameters.Add(new() { Value = userId });
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        await eventLog.AppendAsync(connection, transaction,
            EventToAppend.Create(AccountDeletedEvent, userId.ToString(), new AccountDeleted(userId)), cancellationToken);
        // Before the commit: should denying fail, nothing is deleted; should the commit fail, the user is only signed out.
        await beforeCommit(sessions);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}
