using ChatPlatform.Chat.Model;
using ChatPlatform.EventLog;
using Npgsql;
using NpgsqlTypes;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// Writes imported conversations, all of them or none: one transaction holds every row and every event. Each gets new
/// ids (the file's would collide with a second import of it) and the events a conversation written here message by
/// message would have: <c>chat.message.created</c> per user or system message, <c>chat.message.completed</c> per answer,
/// then <c>chat.conversation.updated</c> with its title and organising fields, so consumers (search) index it like any other.
/// </summary>
public sealed class ImportStore(NpgsqlDataSource dataSource, IEventLog eventLog)
{
    public async Task<IReadOnlyList<ImportedSummary>> WriteAsync(Guid userId, IReadOnlyList<ImportedConversation> conversations, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var folders = await FindFoldersAsync(connection, transaction, userId, conversations, cancellationToken);
        var written = new List<(Conversation Conversation, Guid[] Ids)>(conversations.Count);
        var events = new List<EventToAppend>();

        await using (var rows = await connection.BeginBinaryImportAsync("""
            COPY chat.messages (user_id, conversation_id, id, parent_id, role, content, status, model, created_at, sibling_index, finished_at)
            FROM STDIN (FORMAT BINARY)
            """, cancellationToken))
        {
            foreach (var imported in conversations)
            {
                var conversationId = Guid.CreateVersion7();
                var ids = new Guid[imported.Messages.Count];
                var siblings = new Dictionary<int, int>();
                var roots = 0;
                for (var i = 0; i < ids.Length; i++)
                {
                    var m = imported.Messages[i];
                    ids[i] = Guid.CreateVersion7();
                    var siblingIndex = m.Parent is { } p ? siblings[p] = siblings.GetValueOrDefault(p) + 1 : ++roots;
                    Guid? parentId = m.Parent is { } parent ? ids[parent] : null;
                    await rows.StartRowAsync(cancellationToken);
                    await rows.WriteAsync(userId, NpgsqlDbType.Uuid, cancellationToken);
                    await rows.WriteAsync(conversationId, NpgsqlDbType.Uuid, cancellationToken);
                    await rows.WriteAsync(ids[i], NpgsqlDbType.Uuid, cancellationToken);
                    await WriteNullableAsync(rows, parentId, NpgsqlDbType.Uuid, cancellationToken);
                    await rows.WriteAsync(ConversationStore.ToSql(m.Role), NpgsqlDbType.Text, cancellationToken);
                    await rows.WriteAsync(m.Content, NpgsqlDbType.Text, cancellationToken);
                    await rows.WriteAsync(ConversationStore.ToSql(m.Status), NpgsqlDbType.Text, cancellationToken);
                    await WriteNullableAsync(rows, m.Model ?? imported.Model, NpgsqlDbType.Text, cancellationToken);
                    await rows.WriteAsync(m.CreatedAt, NpgsqlDbType.TimestampTz, cancellationToken);
                    await rows.WriteAsync(siblingIndex - 1, NpgsqlDbType.Integer, cancellationToken);
                    await WriteNullableAsync(rows, m.Role == MessageRole.Assistant ? m.CreatedAt : (DateTimeOffset?)null, NpgsqlDbType.TimestampTz, cancellationToken);
                    events.Add(MessageEvent(userId, conversationId, ids[i], parentId, m));
                }
                var lastActivity = imported.Messages.Count == 0 ? imported.CreatedAt : imported.Messages.Max(m => m.CreatedAt);
                var conversation = new Conversation(
                    conversationId, imported.Title, imported.Model, imported.SystemPrompt, imported.SelectedLeaf is { } leaf ? ids[leaf] : null,
                    imported.CreatedAt, lastActivity < imported.CreatedAt ? imported.CreatedAt : lastActivity)
                {
                    FolderId = imported.FolderName is { } name && folders.TryGetValue(name.ToLowerInvariant(), out var folderId) ? folderId : null,
                    Tags = imported.Tags,
                    Starred = imported.Starred,
                    ArchivedAt = imported.Archived ? lastActivity : null,
                };
                written.Add((conversation, ids));
                events.Add(ConversationStore.Updated(userId, conversation));
            }
            await rows.CompleteAsync(cancellationToken);
        }

        await using (var command = new NpgsqlCommand("""
            INSERT INTO chat.conversations (user_id, id, title, model, system_prompt, current_leaf_id, created_at, updated_at, folder_id, tags, starred, archived_at)
            SELECT $1, c.id, c.title, c.model, c.system_prompt, c.leaf, c.created_at, c.updated_at, c.folder_id,
                ARRAY(SELECT jsonb_array_elements_text(c.tags)), c.starred, c.archived_at
            FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::timestamptz[], $8::timestamptz[], $9::uuid[], $10::jsonb[],
                $11::boolean[], $12::timestamptz[])
                AS c(id, title, model, system_prompt, leaf, created_at, updated_at, folder_id, tags, starred, archived_at)
            """, connection, transaction))
        {
            var c = written.Select(w => w.Conversation).ToList();
            command.Parameters.Add(new() { Value = userId });
            command.Parameters.Add(new() { Value = c.Select(x => x.Id).ToArray() });
            command.Parameters.Add(new() { Value = c.Select(x => x.Title).ToArray() });
            command.Parameters.Add(new() { Value = c.Select(x => x.Model).ToArray() });
            command.Parameters.Add(new() { Value = c.Select(x => x.SystemPrompt).ToArray() });
            command.Parameters.Add(new() { Value = c.Select(x => x.CurrentLeafId).ToArray() });
            command.Parameters.Add(new() { Value = c.Select(x => x.CreatedAt).ToArray() });
            command.Parameters.Add(new() { Value = c.Select(x => x.UpdatedAt).ToArray() });
            command.Parameters.Add(new() { Value = c.Select(x => x.FolderId).ToArray() });
            command.Parameters.Add(new() { Value = c.Select(x => System.Text.Json.JsonSerializer.Serialize(x.Tags)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            command.Parameters.Add(new() { Value = c.Select(x => x.Starred).ToArray() });
            command.Parameters.Add(new() { Value = c.Select(x => x.ArchivedAt).ToArray() });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await eventLog.AppendAsync(connection, transaction, events, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return [.. written.Select(w => new ImportedSummary(w.Conversation.Id, w.Conversation.Title!, w.Ids.Length))];
    }

    private static EventToAppend MessageEvent(Guid userId, Guid conversationId, Guid messageId, Guid? parentId, ImportedMessage m) =>
        m.Role == MessageRole.Assistant
            ? EventToAppend.Create(TurnStore.MessageCompletedEvent, conversationId.ToString(), new
            {
                userId, conversationId, messageId, parentId, role = "assistant", status = ConversationStore.ToSql(m.Status),
            })
            : EventToAppend.Create(ConversationStore.MessageCreatedEvent, conversationId.ToString(), new
            {
                userId, conversationId, messageId, parentId, role = ConversationStore.ToSql(m.Role),
            });

    /// <summary>The user's folders that the imported conversations name, by lower-cased name; a name with no folder files nothing.</summary>
    private static async Task<Dictionary<string, Guid>> FindFoldersAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, IReadOnlyList<ImportedConversation> conversations, CancellationToken cancellationToken)
    {
        var names = conversations.Where(c => c.FolderName is not null).Select(c => c.FolderName!.ToLowerInvariant()).Distinct().ToArray();
        var found = new Dictionary<string, Guid>(StringComparer.Ordinal);
        if (names.Length == 0)
        {
            return found;
        }
        // FOR SHARE: a folder deleted while this import runs cannot leave a conversation filed in nothing.
        await using var command = new NpgsqlCommand(
            "SELECT lower(name), id FROM chat.folders WHERE user_id = $1 AND lower(name) = ANY($2) FOR SHARE", connection, transaction);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = names });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found[reader.GetString(0)] = reader.GetGuid(1);
        }
        return found;
    }

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter rows, T? value, NpgsqlDbType type, CancellationToken cancellationToken)
        where T : struct =>
        value is { } v ? rows.WriteAsync(v, type, cancellationToken) : rows.WriteNullAsync(cancellationToken);

    private static Task WriteNullableAsync(NpgsqlBinaryImporter rows, string? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is null ? rows.WriteNullAsync(cancellationToken) : rows.WriteAsync(value, type, cancellationToken);
}
