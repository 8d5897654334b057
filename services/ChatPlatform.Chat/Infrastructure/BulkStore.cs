using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using ChatPlatform.EventLog;
using Npgsql;
using NpgsqlTypes;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// One action on several conversations of a user, all or nothing: every id must be a conversation of the user's, or
/// nothing changes. The changes and one event per conversation are written in one transaction.
/// </summary>
public sealed class BulkStore(NpgsqlDataSource dataSource, IEventLog eventLog, ConversationStore conversations)
{
    public async Task<BulkOutcome> ApplyAsync(
        Guid userId, IReadOnlyList<Guid> ids, BulkAction action, Guid? folderId, string[]? tags, CancellationToken cancellationToken)
    {
        Guid[] distinct = [.. ids.Distinct().Order()];
        var now = conversations.Now();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Locks in the order single changes take them (deletes' user lock, folder, conversations by id), so none deadlock.
        if (action == BulkAction.Delete)
        {
            await ConversationStore.LockDeletesAsync(connection, transaction, userId, cancellationToken);
        }
        var folderFound = action != BulkAction.Move || folderId is not { } folder
            || await FolderStore.LockIfExistsAsync(connection, transaction, userId, folder, cancellationToken);
        await using (var find = new NpgsqlCommand("""
            SELECT count(*) FROM (
                SELECT id FROM chat.conversations WHERE user_id = $1 AND id = ANY($2) AND deleted_at IS NULL ORDER BY id FOR UPDATE) mine
            """, connection, transaction))
        {
            find.Parameters.Add(new() { Value = userId });
            find.Parameters.Add(new() { Value = distinct });
            if ((long)(await find.ExecuteScalarAsync(cancellationToken))! != distinct.Length)
            {
                return new BulkOutcome.ConversationNotFound();
            }
        }
        if (!folderFound)
        {
            return new BulkOutcome.FolderNotFound();
        }
        if (action == BulkAction.Delete)
        {
            foreach (var id in distinct)
            {
                await ConversationStore.DeleteAsync(connection, transaction, eventLog, userId, id, now, cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            return new BulkOutcome.Done(distinct.Length);
        }
        var set = action switch
        {
            BulkAction.Move => "folder_id = $3::uuid",
            BulkAction.Tag => """tags = ARRAY(SELECT DISTINCT t COLLATE "C" FROM unnest(tags || $3::text[]) t ORDER BY 1)""",
            BulkAction.Untag => """tags = ARRAY(SELECT t FROM unnest(tags) t WHERE t <> ALL($3::text[]) ORDER BY t COLLATE "C")""",
            BulkAction.Archive => "archived_at = COALESCE(archived_at, $3::timestamptz)",
            BulkAction.Unarchive => "archived_at = NULL",
            BulkAction.Star => "starred = true",
            BulkAction.Unstar => "starred = false",
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
        };
        var changed = new List<Conversation>(distinct.Length);
        await using (var update = new NpgsqlCommand($"""
            UPDATE chat.conversations SET {set} WHERE user_id = $1 AND id = ANY($2)
            RETURNING {ConversationStore.ConversationColumns}
            """, connection, transaction))
        {
            update.Parameters.Add(new() { Value = userId });
            update.Parameters.Add(new() { Value = distinct });
            if (set.Contains("$3", StringComparison.Ordinal))
            {
                update.Parameters.Add(action switch
                {
                    BulkAction.Move => new NpgsqlParameter { Value = (object?)folderId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
                    BulkAction.Archive => new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                    _ => new NpgsqlParameter { Value = tags!, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                });
            }
            await using var reader = await update.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                changed.Add(ConversationStore.ReadConversation(reader));
            }
        }
        if (changed.Any(c => c.Tags.Count > OrganiseRules.MaxTagsPerConversation))
        {
            return new BulkOutcome.TooManyTags();
        }
        await eventLog.AppendAsync(connection, transaction, [.. changed.Select(c => ConversationStore.Updated(userId, c))], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new BulkOutcome.Done(changed.Count);
    }
}

public abstract record BulkOutcome
{
    public sealed record Done(int Count) : BulkOutcome;

    public sealed record ConversationNotFound : BulkOutcome;

    public sealed record FolderNotFound : BulkOutcome;

    public sealed record TooManyTags : BulkOutcome;
}
