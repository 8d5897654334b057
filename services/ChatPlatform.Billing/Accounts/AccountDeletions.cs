using Npgsql;

namespace ChatPlatform.Billing.Accounts;

/// <summary>
/// What billing does on the gateway's <c>account.deleted</c>: the money stays (the operator's accounting needs it, and
/// everyone's totals must not change) but nothing that ties it to the person. In one transaction the user's ledger
/// entries and per-day aggregates move to a random id nobody keeps, the entries lose their conversation, message, API key
/// and file, and <c>billing.deleted_accounts</c> records it. A replay finds that row and does nothing more.
/// </summary>
/// <remarks>
/// It runs in the ledger's consumer (<see cref="Ledger.UsageRecorder"/>): both events are keyed by the user, so one
/// partition sees the user's answers and the deletion in log order and no answer of the user is being written meanwhile.
/// </remarks>
public sealed partial class AccountDeletions(NpgsqlDataSource db, TimeProvider time, ILogger<AccountDeletions> logger)
{
    public const string AccountDeletedEvent = "account.deleted";

    /// <summary>Anonymises <paramref name="userId"/>'s usage; false when it was done before.</summary>
    public async Task<bool> AnonymiseAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var mark = new NpgsqlCommand(
            "INSERT INTO billing.deleted_accounts (user_id, deleted_at, entries) VALUES ($1, $2, 0) ON CONFLICT (user_id) DO NOTHING",
            connection, transaction))
        {
            mark.Parameters.Add(new() { Value = userId });
            mark.Parameters.Add(new() { Value = time.GetUtcNow() });
            if (await mark.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }
        // Generated here and never stored anywhere else: the entries stay together (one anonymous account in the
        // per-user report, so its sum still equals the totals) and lead back to nobody.
        var anonymous = Guid.NewGuid();
        await using var anonymise = new NpgsqlCommand("""
            WITH entries AS (
                UPDATE billing.ledger SET user_id = $2, conversation_id = NULL, message_id = NULL, api_key_id = NULL, file_id = NULL
                WHERE user_id = $1
                RETURNING 1
            ), aggregates AS (
                UPDATE billing.daily_usage SET user_id = $2 WHERE user_id = $1
            )
            UPDATE billing.deleted_accounts SET entries = (SELECT count(*) FROM entries) WHERE user_id = $1
            RETURNING entries
            """, connection, transaction);
        anonymise.Parameters.Add(new() { Value = userId });
        anonymise.Parameters.Add(new() { Value = anonymous });
        var entries = (long)(await anonymise.ExecuteScalarAsync(cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        LogAnonymised(logger, entries);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A deleted account's usage was anonymised: {Entries} ledger entries")]
    private static partial void LogAnonymised(ILogger logger, long entries);
}

/// <summary>The <c>account.deleted</c> payload.</summary>
public sealed record AccountDeleted(Guid UserId);
