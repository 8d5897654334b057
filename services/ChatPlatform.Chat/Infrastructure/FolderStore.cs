using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using ChatPlatform.EventLog;
using ChatPlatform.Postgres;
using Npgsql;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// A user's folders in <c>chat.folders</c>, every statement scoped by the user id. Each change and its event are written in
/// one transaction; deleting a folder moves its conversations out of it, each with its own event.
/// </summary>
public sealed class FolderStore(NpgsqlDataSource dataSource, IEventLog eventLog, ConversationStore conversations)
{
    public const string FolderCreatedEvent = "chat.folder.created";
    public const string FolderRenamedEvent = "chat.folder.renamed";
    public const string FolderDeletedEvent = "chat.folder.deleted";

    /// <summary>By name, case aside.</summary>
    public async Task<IReadOnlyList<Folder>> ListAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, name, created_at FROM chat.folders WHERE user_id = $1 ORDER BY lower(name), id");
        command.Parameters.Add(new() { Value = userId });
        var folders = new List<Folder>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            folders.Add(ReadFolder(reader));
        }
        return folders;
    }

    public async Task<FolderResult> CreateAsync(Guid userId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Creates of one user one at a time, so two at the cap cannot both pass the count.
        await using (var lockUser = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            lockUser.Parameters.Add(new() { Value = AdvisoryLockKeys.For($"chat.folder-creates:{userId}") });
            await lockUser.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM chat.folders WHERE user_id = $1", connection, transaction))
        {
            count.Parameters.Add(new() { Value = userId });
            if ((long)(await count.ExecuteScalarAsync(cancellationToken))! >= OrganiseRules.MaxFoldersPerUser)
            {
                return new FolderResult.TooMany();
            }
        }
        var folder = new Folder(Guid.CreateVersion7(), name, conversations.Now());
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO chat.folders (user_id, id, name, created_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (user_id, lower(name)) DO NOTHING
            """, connection, transaction))
        {
            insert.Parameters.Add(new() { Value = userId });
            insert.Parameters.Add(new() { Value = folder.Id });
            insert.Parameters.Add(new() { Value = name });
            insert.Parameters.Add(new() { Value = folder.CreatedAt });
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return new FolderResult.NameTaken();
            }
        }
        await eventLog.AppendAsync(connection, transaction, Changed(FolderCreatedEvent, userId, folder.Id, name), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new FolderResult.Done(folder);
    }

    public async Task<FolderResult> RenameAsync(Guid userId, Guid folderId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        Folder? folder;
        try
        {
            await using var update = new NpgsqlCommand(
                "UPDATE chat.folders SET name = $3 WHERE user_id = $1 AND id = $2 RETURNING id, name, created_at", connection, transaction);
            update.Parameters.Add(new() { Value = userId });
            update.Parameters.Add(new() { Value = folderId });
            update.Parameters.Add(new() { Value = name });
            await using var reader = await update.ExecuteReaderAsync(cancellationToken);
            folder = await reader.ReadAsync(cancellationToken) ? ReadFolder(reader) : null;
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "folders_by_name" })
        {
            return new FolderResult.NameTaken();
        }
        if (folder is null)
        {
            return new FolderResult.NotFound();
        }
        await eventLog.AppendAsync(connection, transaction, Changed(FolderRenamedEvent, userId, folderId, name), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new FolderResult.Done(folder);
    }

    /// <summary>
    /// Deletes the folder; its conversations stay, in no folder, each with <see cref="ConversationStore.ConversationUpdatedEvent"/>.
    /// False when it is not the user's.
    /// </summary>
    public async Task<bool> DeleteAsync(Guid userId, Guid folderId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await LockIfExistsAsync(connection, transaction, userId, folderId, cancellationToken, forUpdate: true))
        {
            return false;
        }
        var moved = new List<Conversation>();
        await using (var update = new NpgsqlCommand($"""
            UPDATE chat.conversations SET folder_id = NULL WHERE user_id = $1 AND folder_id = $2
            RETURNING {ConversationStore.ConversationColumns}, deleted_at IS NOT NULL
            """, connection, transaction))
        {
            update.Parameters.Add(new() { Value = userId });
            update.Parameters.Add(new() { Value = folderId });
            await using var reader = await update.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                // Tombstones lose the folder too, but nobody is told about a deleted conversation again.
                if (!reader.GetBoolean(reader.FieldCount - 1))
                {
                    moved.Add(ConversationStore.ReadConversation(reader));
                }
            }
        }
        await using (var delete = new NpgsqlCommand("DELETE FROM chat.folders WHERE user_id = $1 AND id = $2", connection, transaction))
        {
            delete.Parameters.Add(new() { Value = userId });
            delete.Parameters.Add(new() { Value = folderId });
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        var events = new List<EventToAppend>(moved.Count + 1) { Changed(FolderDeletedEvent, userId, folderId, null) };
        events.AddRange(moved.Select(c => ConversationStore.Updated(userId, c)));
        await eventLog.AppendAsync(connection, transaction, events, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Whether the folder is the user's, locking it until the caller's transaction ends: against its deletion while a
    /// conversation is filed into it (key share), or against everything when it is the one deleting it.
    /// </summary>
    internal static async Task<bool> LockIfExistsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, Guid folderId, CancellationToken cancellationToken,
        bool forUpdate = false)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT 1 FROM chat.folders WHERE user_id = $1 AND id = $2 {(forUpdate ? "FOR UPDATE" : "FOR KEY SHARE")}", connection, transaction);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = folderId });
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    private static EventToAppend Changed(string type, Guid userId, Guid folderId, string? name) =>
        EventToAppend.Create(type, folderId.ToString(), new FolderChanged(userId, folderId, name));

    private static Folder ReadFolder(NpgsqlDataReader reader) =>
        new(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2));
}

public abstract record FolderResult
{
    public sealed record Done(Folder Folder) : FolderResult;

    public sealed record NotFound : FolderResult;

    public sealed record NameTaken : FolderResult;

    public sealed record TooMany : FolderResult;
}
