using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using ChatPlatform.EventLog;
using ChatPlatform.Postgres;
using Npgsql;
using NpgsqlTypes;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// Conversations and message trees in schema <c>chat</c>. Every statement is scoped by the user id, so another user's
/// ids read as missing. Writes that change a tree lock the conversation row first, which serialises appends to it.
/// </summary>
public sealed class ConversationStore(NpgsqlDataSource dataSource, IEventLog eventLog, TimeProvider timeProvider)
{
    public const string MessageCreatedEvent = "chat.message.created";
    public const string ConversationDeletedEvent = "chat.conversation.deleted";
    public const string ConversationUpdatedEvent = "chat.conversation.updated";

    internal const string ConversationColumns =
        "id, title, model, system_prompt, current_leaf_id, created_at, updated_at, folder_id, tags, starred, archived_at, temperature, max_output_tokens";
    internal const string MessageColumns = "id, conversation_id, parent_id, role, content, status, model, created_at, sibling_index";

    public async Task<Conversation> CreateAsync(Guid userId, CreateConversationRequest request, CancellationToken cancellationToken)
    {
        var now = Now();
        var conversation = new Conversation(Guid.CreateVersion7(), request.Title, request.Model!, request.SystemPrompt, null, now, now);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            INSERT INTO chat.conversations (user_id, id, title, model, system_prompt, current_leaf_id, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, NULL, $6, $6)
            """, connection, transaction);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = conversation.Id });
        command.Parameters.Add(new() { Value = (object?)conversation.Title ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = conversation.Model });
        command.Parameters.Add(new() { Value = (object?)conversation.SystemPrompt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
        if (!string.IsNullOrWhiteSpace(conversation.Title))
        {
            // A conversation named before its first message is findable by its title alone (search indexes this event).
            await eventLog.AppendAsync(connection, transaction, Updated(userId, conversation), cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return conversation;
    }

    /// <summary>
    /// Starred first, then by last activity: (starred, updated_at, id) descending, after <paramref name="after"/> when
    /// given. Only the filters given become conditions, so the planner sees each query as it is and picks the index made
    /// for it (0007_organise.sql) rather than one generic plan for every combination.
    /// </summary>
    public async Task<ConversationPage> ListAsync(
        Guid userId, int limit, ConversationCursor? after, ConversationFilter filter, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new() { Value = userId });
        var conditions = new List<string>
        {
            "user_id = $1",
            "deleted_at IS NULL",
            filter.Archived ? "archived_at IS NOT NULL" : "archived_at IS NULL",
        };
        string Parameter(object value, NpgsqlDbType type)
        {
            command.Parameters.Add(new() { Value = value, NpgsqlDbType = type });
            return $"${command.Parameters.Count}";
        }
        if (filter.NoFolder)
        {
            conditions.Add("folder_id IS NULL");
        }
        else if (filter.Folder is { } folder)
        {
            conditions.Add($"folder_id = {Parameter(folder, NpgsqlDbType.Uuid)}");
        }
        if (filter.Tag is { } tag)
        {
            conditions.Add($"tags @> ARRAY[{Parameter(tag, NpgsqlDbType.Text)}]");
        }
        if (filter.Model is { } model)
        {
            conditions.Add($"model = {Parameter(model, NpgsqlDbType.Text)}");
        }
        if (filter.From is { } from)
        {
            conditions.Add($"updated_at >= {Parameter(from, NpgsqlDbType.TimestampTz)}");
        }
        if (filter.To is { } to)
        {
            conditions.Add($"updated_at < {Parameter(to, NpgsqlDbType.TimestampTz)}");
        }
        if (filter.Starred is { } starred)
        {
            conditions.Add($"starred = {Parameter(starred, NpgsqlDbType.Boolean)}");
        }
        if (after is not null)
        {
            conditions.Add($"(starred, updated_at, id) < ({Parameter(after.Starred, NpgsqlDbType.Boolean)}, "
                + $"{Parameter(after.UpdatedAt, NpgsqlDbType.TimestampTz)}, {Parameter(after.Id, NpgsqlDbType.Uuid)})");
        }
        command.CommandText = $"""
            SELECT {ConversationColumns} FROM chat.conversations
            WHERE {string.Join(" AND ", conditions)}
            ORDER BY starred DESC, updated_at DESC, id DESC
            LIMIT {Parameter(limit + 1, NpgsqlDbType.Integer)}
            """;
        var items = new List<Conversation>(limit + 1);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(ReadConversation(reader));
            }
        }
        if (items.Count <= limit)
        {
            return new ConversationPage(items, null);
        }
        items.RemoveAt(limit);
        var last = items[^1];
        return new ConversationPage(items, new ConversationCursor(last.Starred, last.UpdatedAt, last.Id).Encode());
    }

    /// <summary>The user's tags with the number of their conversations carrying each, archived ones included; by name.</summary>
    public async Task<IReadOnlyList<TagCount>> ListTagsAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT tag, count(*)::int FROM chat.conversations, unnest(tags) AS tag
            WHERE user_id = $1 AND deleted_at IS NULL
            GROUP BY tag ORDER BY tag
            """);
        command.Parameters.Add(new() { Value = userId });
        var tags = new List<TagCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tags.Add(new TagCount(reader.GetString(0), reader.GetInt32(1)));
        }
        return tags;
    }

    public async Task<Conversation?> FindAsync(Guid userId, Guid conversationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, null, userId, conversationId, forUpdate: false, cancellationToken);
    }

    /// <summary>The conversation and the path root → current leaf, read in one snapshot.</summary>
    public async Task<ConversationDetail?> FindWithCurrentPathAsync(Guid userId, Guid conversationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        if (await FindAsync(connection, transaction, userId, conversationId, forUpdate: false, cancellationToken) is not { } conversation)
        {
            return null;
        }
        var path = conversation.CurrentLeafId is { } leaf
            ? await ReadPathAsync(connection, transaction, userId, conversationId, leaf, cancellationToken)
            : [];
        await transaction.CommitAsync(cancellationToken);
        return ConversationDetail.From(conversation, path);
    }

    /// <summary>The path root → <paramref name="messageId"/>; null when either id is not the user's.</summary>
    public async Task<IReadOnlyList<PathMessage>?> FindPathAsync(Guid userId, Guid conversationId, Guid messageId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await FindAsync(connection, null, userId, conversationId, forUpdate: false, cancellationToken) is null)
        {
            return null;
        }
        var path = await ReadPathAsync(connection, null, userId, conversationId, messageId, cancellationToken);
        return path.Count == 0 ? null : path;
    }

    /// <summary>
    /// Changes the fields sent and appends <see cref="ConversationUpdatedEvent"/>, in one transaction. <c>updated_at</c>
    /// stays: it is the conversation's last activity (a new message), which orders the list, and renaming, filing, tagging,
    /// starring or archiving is not activity.
    /// </summary>
    public async Task<UpdateResult> UpdateAsync(Guid userId, Guid conversationId, UpdateConversationRequest request, CancellationToken cancellationToken)
    {
        var tags = OrganiseRules.Tags(request.Tags, []);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The folder before the conversation, in the order a folder's deletion takes them, so the two cannot deadlock.
        var folderFound = request is not { FolderIdGiven: true, FolderId: { } folderId }
            || await FolderStore.LockIfExistsAsync(connection, transaction, userId, folderId, cancellationToken);
        if (await FindAsync(connection, transaction, userId, conversationId, forUpdate: true, cancellationToken) is null)
        {
            return new UpdateResult.ConversationNotFound();
        }
        if (!folderFound)
        {
            return new UpdateResult.FolderNotFound();
        }
        Conversation conversation;
        await using (var command = new NpgsqlCommand($"""
            UPDATE chat.conversations
            SET title = COALESCE($3, title), system_prompt = COALESCE($4, system_prompt), model = COALESCE($5, model),
                folder_id = CASE WHEN $6 THEN $7 ELSE folder_id END,
                tags = COALESCE($8, tags),
                starred = COALESCE($9, starred),
                archived_at = CASE WHEN $10::boolean IS NULL THEN archived_at WHEN $10 THEN COALESCE(archived_at, $11) END,
                temperature = CASE WHEN $12 THEN $13 ELSE temperature END,
                max_output_tokens = CASE WHEN $14 THEN $15 ELSE max_output_tokens END
            WHERE user_id = $1 AND id = $2 AND deleted_at IS NULL
            RETURNING {ConversationColumns}
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = userId });
            command.Parameters.Add(new() { Value = conversationId });
            command.Parameters.Add(new() { Value = (object?)request.Title ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = (object?)request.SystemPrompt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = (object?)request.Model ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = request.FolderIdGiven });
            command.Parameters.Add(new() { Value = (object?)request.FolderId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            command.Parameters.Add(new() { Value = (object?)tags ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = (object?)request.Starred ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean });
            command.Parameters.Add(new() { Value = (object?)request.Archived ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean });
            command.Parameters.Add(new() { Value = Now() });
            command.Parameters.Add(new() { Value = request.TemperatureGiven });
            command.Parameters.Add(new() { Value = (object?)request.Temperature ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double });
            command.Parameters.Add(new() { Value = request.MaxOutputTokensGiven });
            command.Parameters.Add(new() { Value = (object?)request.MaxOutputTokens ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            conversation = ReadConversation(reader);
        }
        await eventLog.AppendAsync(connection, transaction, Updated(userId, conversation), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new UpdateResult.Updated(conversation);
    }

    internal static EventToAppend Updated(Guid userId, Conversation c) => EventToAppend.Create(
        ConversationUpdatedEvent, c.Id.ToString(),
        new ConversationUpdated(userId, c.Id, c.Title, c.Model, c.FolderId, c.Tags, c.Starred, c.Archived));

    /// <summary>
    /// Deletes the messages and marks the conversation deleted (the row stays as a tombstone for consumers), with an
    /// event, in one transaction. False when it is not the user's. The event names the files only this conversation
    /// attached (docs/files.md, Deleting), for ingestion to delete those the composer uploaded.
    /// </summary>
    public async Task<bool> DeleteAsync(Guid userId, Guid conversationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockDeletesAsync(connection, transaction, userId, cancellationToken);
        if (!await DeleteAsync(connection, transaction, eventLog, userId, conversationId, Now(), cancellationToken))
        {
            // Rolled back on dispose: the delete touched nothing of the user's anyway.
            return false;
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    internal static async Task LockDeletesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CancellationToken cancellationToken)
    {
        // Two deletes of conversations sharing a file would each still see the other's attachment and neither name it:
        // one at a time per user, each sees what the other left.
        await using (var lockUser = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            lockUser.Parameters.Add(new() { Value = AdvisoryLockKeys.For($"chat.conversation-deletes:{userId}") });
            await lockUser.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// One conversation's deletion and its event, in the caller's transaction, which holds <see cref="LockDeletesAsync"/>;
    /// false when it is not the user's. Deleting several in one transaction one after the other names each file once: the
    /// later deletions see the earlier ones' attachments gone.
    /// </summary>
    internal static async Task<bool> DeleteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IEventLog eventLog, Guid userId, Guid conversationId, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        Guid[] fileIds;
        await using (var command = new NpgsqlCommand("""
            WITH gone AS (DELETE FROM chat.messages WHERE user_id = $1 AND conversation_id = $2 RETURNING id),
            files AS (DELETE FROM chat.message_files WHERE user_id = $1 AND message_id IN (SELECT id FROM gone) RETURNING file_id),
            deleted AS (
                UPDATE chat.conversations SET deleted_at = $3, current_leaf_id = NULL
                WHERE user_id = $1 AND id = $2 AND deleted_at IS NULL
                RETURNING id)
            -- The statement's snapshot still shows this conversation's attachments: the others are those of other messages.
            SELECT EXISTS (SELECT 1 FROM deleted), ARRAY(
                SELECT DISTINCT f.file_id FROM files f
                WHERE NOT EXISTS (
                    SELECT 1 FROM chat.message_files o
                    WHERE o.user_id = $1 AND o.file_id = f.file_id AND o.message_id NOT IN (SELECT id FROM gone)))
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = userId });
            command.Parameters.Add(new() { Value = conversationId });
            command.Parameters.Add(new() { Value = now });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (!reader.GetBoolean(0))
            {
                return false;
            }
            fileIds = reader.GetFieldValue<Guid[]>(1);
        }
        // A statement of its own, after the conversation's row lock: its fresh snapshot sees a share whose creation held
        // that lock and committed meanwhile (ShareStore.CreateAsync), which the statement above could not.
        await using (var shares = new NpgsqlCommand("DELETE FROM chat.shares WHERE user_id = $1 AND conversation_id = $2", connection, transaction))
        {
            shares.Parameters.Add(new() { Value = userId });
            shares.Parameters.Add(new() { Value = conversationId });
            await shares.ExecuteNonQueryAsync(cancellationToken);
        }
        await eventLog.AppendAsync(connection, transaction,
            EventToAppend.Create(ConversationDeletedEvent, conversationId.ToString(), new ConversationDeleted(userId, conversationId, fileIds)),
            cancellationToken);
        return true;
    }

    /// <summary>
    /// Deletes every row of the user (conversations and their tombstones, messages with their turns, attachments, folders,
    /// shares) in one transaction, for a deleted account; the number of conversations. Repeating it finds nothing and writes nothing.
    /// No per-conversation event: <c>account.deleted</c> already tells every consumer that all of the user goes.
    /// </summary>
    public async Task<int> DeleteAllOfUserAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            WITH files AS (DELETE FROM chat.message_files WHERE user_id = $1),
            messages AS (DELETE FROM chat.messages WHERE user_id = $1)
            DELETE FROM chat.conversations WHERE user_id = $1
            """, connection, transaction);
        command.Parameters.Add(new() { Value = userId });
        var conversations = await command.ExecuteNonQueryAsync(cancellationToken);
        // After the conversations, so the foreign key has nothing left to set null; shares after them, as a conversation's
        // deletion takes them, so none made meanwhile is left behind.
        foreach (var sql in (string[])["DELETE FROM chat.folders WHERE user_id = $1", "DELETE FROM chat.shares WHERE user_id = $1"])
        {
            await using var rest = new NpgsqlCommand(sql, connection, transaction);
            rest.Parameters.Add(new() { Value = userId });
            await rest.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return conversations;
    }

    /// <summary>
    /// The conversation a user message is appended to, read (not locked) by the statement that writes it. That statement follows
    /// the one that took the conversation's lock in the same batch and reads a fresh snapshot: of two appends to one
    /// conversation, the second sees the first's message (its leaf, its sibling count).
    /// </summary>
    internal const string UserMessageConversationSql =
        "SELECT current_leaf_id, model FROM chat.conversations WHERE user_id = $1 AND id = $2 AND deleted_at IS NULL";

    /// <summary>
    /// The one way a user message is written, as CTEs after <c>c</c> (<see cref="UserMessageConversationSql"/>, narrowed as
    /// the caller needs): message $3 of user $1 in conversation $2, content $4, under $5 when $6 (the parent was given; null
    /// for a root) or else the current leaf, created at $7, the last of its siblings. <c>question</c> returns its id, parent,
    /// model and sibling index, or no row when the conversation or the given parent is missing. See <see cref="UserMessageCommand"/>.
    /// </summary>
    internal const string InsertUserMessageCtes = """
        q AS (
            SELECT CASE WHEN $6 THEN $5::uuid ELSE c.current_leaf_id END AS parent_id, c.model FROM c
            WHERE NOT $6 OR $5::uuid IS NULL
               OR EXISTS (SELECT 1 FROM chat.messages p WHERE p.user_id = $1 AND p.conversation_id = $2 AND p.id = $5::uuid)
        ), question AS (
            INSERT INTO chat.messages (user_id, conversation_id, id, parent_id, role, content, status, model, created_at, sibling_index)
            SELECT $1, $2, $3, q.parent_id, 'user', $4, 'complete', q.model, $7,
                -- Two counts, each able to use messages_by_parent, rather than one OR that cannot.
                (SELECT count(*) FROM chat.messages s WHERE s.user_id = $1 AND s.conversation_id = $2 AND s.parent_id = q.parent_id)
                + (SELECT count(*) FROM chat.messages s WHERE s.user_id = $1 AND s.conversation_id = $2 AND s.parent_id IS NULL AND q.parent_id IS NULL)
            FROM q
            RETURNING id, parent_id, model, sibling_index
        )
        """;

    // The message becomes the current leaf.
    private const string AppendUserMessageSql = $"""
        WITH c AS ({UserMessageConversationSql}), {InsertUserMessageCtes}, leaf AS (
            UPDATE chat.conversations SET current_leaf_id = $3, updated_at = $7
            WHERE user_id = $1 AND id = $2 AND EXISTS (SELECT 1 FROM question)
        )
        SELECT parent_id, sibling_index FROM question
        """;

    /// <summary>
    /// Appends a user message under <paramref name="parentId"/> (or the current leaf when <paramref name="parentIdGiven"/> is
    /// false), makes it the current leaf and appends <see cref="MessageCreatedEvent"/>, all in one transaction and one
    /// round trip, its commit included.
    /// </summary>
    public async Task<AppendResult> AppendUserMessageAsync(
        Guid userId, Guid conversationId, string content, Guid? parentId, bool parentIdGiven, CancellationToken cancellationToken)
    {
        var now = Now();
        var messageId = Guid.CreateVersion7();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var append = UserMessageCommand(AppendUserMessageSql, userId, conversationId, messageId, content, parentId, parentIdGiven, now);
        var (conversation, written, _) = await LockAndWriteAsync(
            connection, transaction, userId, conversationId, append, null, eventLog, UserMessageCreated(userId, conversationId, messageId), cancellationToken);
        if (conversation is null)
        {
            return new AppendResult.ConversationNotFound();
        }
        if (written is not { } inserted)
        {
            return new AppendResult.ParentNotFound();
        }
        return new AppendResult.Appended(new Message(
            messageId, conversationId, inserted.ParentId, MessageRole.User, content, MessageStatus.Complete, conversation.Model, now, inserted.SiblingIndex));
    }

    /// <summary><paramref name="sql"/>, built on <see cref="InsertUserMessageCtes"/>, with its parameters $1..$7.</summary>
    internal static NpgsqlBatchCommand UserMessageCommand(
        string sql, Guid userId, Guid conversationId, Guid messageId, string content, Guid? parentId, bool parentIdGiven, DateTimeOffset now) => new(sql)
    {
        Parameters =
        {
            new() { Value = userId },
            new() { Value = conversationId },
            new() { Value = messageId },
            new() { Value = content },
            new() { Value = (object?)parentId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
            new() { Value = parentIdGiven },
            new() { Value = now },
        },
    };

    private static NpgsqlBatchCommand Commit() => new("COMMIT");

    /// <summary>
    /// <see cref="MessageCreatedEvent"/> for the user message <paramref name="messageId"/>, built by the database from the
    /// row the same batch inserted (its parent is chosen there); none when the batch inserted nothing.
    /// </summary>
    internal static EventFromQuery UserMessageCreated(Guid userId, Guid conversationId, Guid messageId) => new(MessageCreatedEvent, conversationId.ToString(), """
        SELECT jsonb_build_object('userId', m.user_id, 'conversationId', m.conversation_id, 'messageId', m.id, 'parentId', m.parent_id, 'role', m.role)
        FROM chat.messages m WHERE m.user_id = $1 AND m.id = $2
        """, [userId, messageId]);

    /// <summary>
    /// One round trip, its commit included: the conversation locked and read, <paramref name="write"/>'s writes (only what
    /// the caller cannot know: the parent and the sibling index of the message it inserted first; none when nothing was
    /// written), the messages <paramref name="context"/> reads (role and content), when given, and
    /// <paramref name="created"/>, the event of what was written, when given. What was not written (no such conversation,
    /// parent or model) leaves nothing to commit; a statement that fails skips the COMMIT and the transaction rolls back.
    /// Without <paramref name="commit"/> the caller commits (or rolls back) after its own check.
    /// </summary>
    internal static async Task<(Conversation? Conversation, (Guid? ParentId, int SiblingIndex)? Written, List<ContextMessage> Context)> LockAndWriteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, Guid conversationId, NpgsqlBatchCommand write,
        NpgsqlBatchCommand? context, IEventLog? eventLog, EventFromQuery? created, CancellationToken cancellationToken, bool commit = true)
    {
        var find = new NpgsqlBatchCommand($"""
            SELECT {ConversationColumns} FROM chat.conversations
            WHERE user_id = $1 AND id = $2 AND deleted_at IS NULL
            FOR UPDATE
            """)
        {
            Parameters = { new() { Value = userId }, new() { Value = conversationId } },
        };
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { find, write } };
        if (context is not null)
        {
            batch.BatchCommands.Add(context);
        }
        // After the reads: the caller reads its results in order and the rest only have to run.
        using var added = created is null ? default : eventLog!.AddTo(batch, created);
        if (commit)
        {
            batch.BatchCommands.Add(Commit());
        }
        Conversation? conversation;
        (Guid? ParentId, int SiblingIndex)? written;
        var path = new List<ContextMessage>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            conversation = await reader.ReadAsync(cancellationToken) ? ReadConversation(reader) : null;
            await reader.NextResultAsync(cancellationToken);
            written = await reader.ReadAsync(cancellationToken)
                ? (reader.IsDBNull(0) ? null : reader.GetGuid(0), reader.GetInt32(1))
                : null;
            if (context is not null)
            {
                await reader.NextResultAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    path.Add(new ContextMessage(Enum.Parse<MessageRole>(reader.GetString(0), ignoreCase: true), reader.GetString(1), reader.GetGuid(2)));
                }
            }
        }
        if (written is not null)
        {
            added.Written();
        }
        return (conversation, written, path);
    }

    internal static string ToSql(MessageRole role) => role.ToString().ToLowerInvariant();

    internal static string ToSql(MessageStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>
    /// Makes the deepest descendant of <paramref name="messageId"/>, following the most recent child at each level, the
    /// current leaf. Null when the conversation is not the user's; a result without a leaf when the message is not in it.
    /// </summary>
    public async Task<SelectLeafResult> SelectBranchAsync(Guid userId, Guid conversationId, Guid messageId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await FindAsync(connection, transaction, userId, conversationId, forUpdate: true, cancellationToken) is not { } conversation)
        {
            return new SelectLeafResult.ConversationNotFound();
        }
        await using var command = new NpgsqlCommand("""
            WITH RECURSIVE down AS (
                SELECT id, 0 AS depth FROM chat.messages WHERE user_id = $1 AND conversation_id = $2 AND id = $3
                UNION ALL
                SELECT child.id, down.depth + 1
                FROM down
                CROSS JOIN LATERAL (
                    SELECT m.id FROM chat.messages m
                    WHERE m.user_id = $1 AND m.conversation_id = $2 AND m.parent_id = down.id
                    ORDER BY m.sibling_index DESC
                    LIMIT 1) child
            )
            SELECT id FROM down ORDER BY depth DESC LIMIT 1
            """, connection, transaction);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = conversationId });
        command.Parameters.Add(new() { Value = messageId });
        if (await command.ExecuteScalarAsync(cancellationToken) is not Guid leaf)
        {
            return new SelectLeafResult.MessageNotFound();
        }
        // Choosing a branch is navigation, not activity: the conversation keeps its place in the list.
        await SetLeafAsync(connection, transaction, userId, conversationId, leaf, conversation.UpdatedAt, cancellationToken);
        var path = await ReadPathAsync(connection, transaction, userId, conversationId, leaf, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new SelectLeafResult.Selected(ConversationDetail.From(conversation with { CurrentLeafId = leaf }, path));
    }

    internal static async Task<Conversation?> FindAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid userId, Guid conversationId, bool forUpdate, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT {ConversationColumns} FROM chat.conversations
            WHERE user_id = $1 AND id = $2 AND deleted_at IS NULL
            {(forUpdate ? "FOR UPDATE" : "")}
            """, connection, transaction);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = conversationId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadConversation(reader) : null;
    }

    internal static async Task SetLeafAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, Guid conversationId, Guid leaf, DateTimeOffset updatedAt,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "UPDATE chat.conversations SET current_leaf_id = $3, updated_at = $4 WHERE user_id = $1 AND id = $2", connection, transaction);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = conversationId });
        command.Parameters.Add(new() { Value = leaf });
        command.Parameters.Add(new() { Value = updatedAt });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The path root → $3 ($1 the user, $2 the conversation), with each message's siblings.</summary>
    internal static readonly string PathSql = $"""
            WITH RECURSIVE up AS (
                SELECT {MessageColumns}, citations, deployment, cost_usd, usage_estimated, finish_reason, 0 AS depth
                FROM chat.messages WHERE user_id = $1 AND conversation_id = $2 AND id = $3
                UNION ALL
                SELECT p.id, p.conversation_id, p.parent_id, p.role, p.content, p.status, p.model, p.created_at, p.sibling_index, p.citations,
                    p.deployment, p.cost_usd, p.usage_estimated, p.finish_reason, up.depth + 1
                FROM {ParentsOf("up")}
            )
            SELECT {MessageColumns},
                -- The root's siblings apart, so that each form can use messages_by_parent; one OR could not.
                CASE WHEN up.parent_id IS NULL
                    THEN ARRAY(SELECT s.id FROM chat.messages s WHERE s.user_id = $1 AND s.conversation_id = $2 AND s.parent_id IS NULL ORDER BY s.sibling_index)
                    ELSE ARRAY(SELECT s.id FROM chat.messages s WHERE s.user_id = $1 AND s.conversation_id = $2 AND s.parent_id = up.parent_id ORDER BY s.sibling_index)
                END,
                citations::text,
                -- What the answer cost, when the router priced it: an answer it never priced (deployment unknown) is
                -- priced by billing, so it has no cost here.
                CASE WHEN deployment IS DISTINCT FROM 'unknown' THEN cost_usd END,
                usage_estimated,
                finish_reason
            FROM up ORDER BY depth DESC
            """;

    /// <summary>Root → <paramref name="messageId"/>, each with its siblings (itself included, in order); empty when the message is not in the conversation.</summary>
    internal static async Task<IReadOnlyList<PathMessage>> ReadPathAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid userId, Guid conversationId, Guid messageId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(PathSql, connection, transaction);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = conversationId });
        command.Parameters.Add(new() { Value = messageId });
        var path = new List<PathMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var m = ReadMessage(reader);
            var siblings = reader.GetFieldValue<Guid[]>(9);
            path.Add(new PathMessage(
                m.Id, m.ConversationId, m.ParentId, m.Role, m.Content, m.Status, m.Model, m.CreatedAt, m.SiblingIndex, siblings.Length, siblings)
            {
                Citations = reader.IsDBNull(10) ? [] : TurnStore.ReadCitations(reader.GetString(10)),
                CostUsd = reader.IsDBNull(11) ? null : TurnStore.Normalize(reader.GetDecimal(11)),
                UsageEstimated = reader.IsDBNull(12) ? null : reader.GetBoolean(12),
                FinishReason = reader.IsDBNull(13) ? null : reader.GetString(13),
            });
        }
        await reader.DisposeAsync();
        // Apart from the walk, whose plan stays one key lookup a level; only user messages attach files.
        var attachments = await AttachmentStore.ReadAsync(
            connection, transaction, userId, [.. path.Where(m => m.Role == MessageRole.User).Select(m => m.Id)], cancellationToken);
        return attachments.Count == 0
            ? path
            : [.. path.Select(m => attachments.TryGetValue(m.Id, out var files) ? m with { Attachments = files } : m)];
    }

    /// <summary>
    /// A walk up the tree from the rows of <paramref name="child"/> to their parents, <c>p</c> ($1 the user, $2 the
    /// conversation). A lateral lookup by primary key with LIMIT 1 pins the plan to one probe per level: as a plain join,
    /// the generic plan of a prepared statement hashed the conversation's every message at every level (quadratic in its
    /// length), and a conversation condition inside the lookup let the planner scan the conversation by messages_by_parent.
    /// </summary>
    internal static string ParentsOf(string child) =>
        $"{child} CROSS JOIN LATERAL (SELECT * FROM chat.messages m WHERE m.user_id = $1 AND m.id = {child}.parent_id LIMIT 1) p WHERE p.conversation_id = $2";

    internal static Conversation ReadConversation(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.IsDBNull(1) ? null : reader.GetString(1),
        reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.IsDBNull(4) ? null : reader.GetGuid(4),
        reader.GetFieldValue<DateTimeOffset>(5),
        reader.GetFieldValue<DateTimeOffset>(6))
    {
        FolderId = reader.IsDBNull(7) ? null : reader.GetGuid(7),
        Tags = reader.GetFieldValue<string[]>(8),
        Starred = reader.GetBoolean(9),
        ArchivedAt = reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
        Temperature = reader.IsDBNull(11) ? null : reader.GetDouble(11),
        MaxOutputTokens = reader.IsDBNull(12) ? null : reader.GetInt32(12),
    };

    internal static Message ReadMessage(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.GetGuid(1),
        reader.IsDBNull(2) ? null : reader.GetGuid(2),
        Enum.Parse<MessageRole>(reader.GetString(3), ignoreCase: true),
        reader.GetString(4),
        Enum.Parse<MessageStatus>(reader.GetString(5), ignoreCase: true),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        reader.GetFieldValue<DateTimeOffset>(7),
        reader.GetInt32(8));

    // PostgreSQL keeps microseconds; truncating here makes what is returned equal what is stored (and cursors exact).
    internal DateTimeOffset Now() => Truncate(timeProvider.GetUtcNow());

    internal static DateTimeOffset Truncate(DateTimeOffset now) => new(now.UtcTicks - (now.UtcTicks % 10), TimeSpan.Zero);
}

public abstract record AppendResult
{
    public sealed record Appended(Message Message) : AppendResult;

    public sealed record ConversationNotFound : AppendResult;

    public sealed record ParentNotFound : AppendResult;
}

public abstract record UpdateResult
{
    public sealed record Updated(Conversation Conversation) : UpdateResult;

    public sealed record ConversationNotFound : UpdateResult;

    public sealed record FolderNotFound : UpdateResult;
}

public abstract record SelectLeafResult
{
    public sealed record Selected(ConversationDetail Conversation) : SelectLeafResult;

    public sealed record ConversationNotFound : SelectLeafResult;

    public sealed record MessageNotFound : SelectLeafResult;
}
