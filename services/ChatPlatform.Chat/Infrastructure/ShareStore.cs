using System.Text.Json;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using ChatPlatform.EventLog;
using ChatPlatform.Postgres;
using Npgsql;
using NpgsqlTypes;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// Shares in <c>chat.shares</c> (docs/conversations.md, Sharing). The owner's statements are scoped by the user id, so
/// another user's share reads as missing; the public read goes by the share id alone and finds only a live share
/// (neither revoked, which deletes it, nor expired) in one statement, so every miss takes the same path.
/// </summary>
public sealed class ShareStore(NpgsqlDataSource dataSource, IEventLog eventLog, ConversationStore conversations)
{
    private const string ShareColumns =
        "id, conversation_id, leaf_id, title, visibility, indexable, expires_at, jsonb_array_length(snapshot), created_at, updated_at";

    /// <summary>
    /// Copies the path root → <paramref name="leafId"/> as it is now. The conversation is locked first, so a deletion
    /// running at the same time either finds this share (and deletes it) or is seen here (and nothing is shared).
    /// </summary>
    public async Task<ShareResult> CreateAsync(
        Guid userId, Guid conversationId, Guid leafId, string visibility, DateTimeOffset? expiresAt, bool indexable, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await ConversationStore.FindAsync(connection, transaction, userId, conversationId, forUpdate: true, cancellationToken) is not { } conversation)
        {
            return new ShareResult.NotFound();
        }
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM chat.shares WHERE user_id = $1", connection, transaction))
        {
            // The conversation's lock does not serialise shares of two conversations; a few over the cap is harmless.
            count.Parameters.Add(new() { Value = userId });
            if ((long)(await count.ExecuteScalarAsync(cancellationToken))! >= ShareRules.MaxSharesPerUser)
            {
                return new ShareResult.TooMany();
            }
        }
        var snapshot = await SnapshotAsync(connection, transaction, userId, conversationId, leafId, cancellationToken);
        if (snapshot is null)
        {
            return new ShareResult.MessageNotFound();
        }
        var now = conversations.Now();
        var shareId = ShareRules.NewId();
        await using (var insert = new NpgsqlCommand($"""
            INSERT INTO chat.shares (id, user_id, conversation_id, leaf_id, visibility, indexable, expires_at, title, model, snapshot, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
            RETURNING {ShareColumns}
            """, connection, transaction))
        {
            insert.Parameters.Add(new() { Value = shareId });
            insert.Parameters.Add(new() { Value = userId });
            insert.Parameters.Add(new() { Value = conversationId });
            insert.Parameters.Add(new() { Value = leafId });
            insert.Parameters.Add(new() { Value = visibility });
            insert.Parameters.Add(new() { Value = indexable });
            insert.Parameters.Add(new() { Value = (object?)expiresAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            insert.Parameters.Add(new() { Value = (object?)conversation.Title ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            insert.Parameters.Add(new() { Value = conversation.Model });
            insert.Parameters.Add(new() { Value = snapshot, NpgsqlDbType = NpgsqlDbType.Jsonb });
            insert.Parameters.Add(new() { Value = now });
            var share = await ReadOneAsync(insert, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new ShareResult.Done(share!);
        }
    }

    /// <summary>The user's shares, newest first, after <paramref name="after"/> when given.</summary>
    public async Task<SharePage> ListAsync(Guid userId, int limit, ShareCursor? after, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {ShareColumns} FROM chat.shares
            WHERE user_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
            ORDER BY created_at DESC, id DESC
            LIMIT $4
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = (object?)after?.CreatedAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = (object?)after?.ShareId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = limit + 1 });
        var items = new List<Share>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(ReadShare(reader));
        }
        if (items.Count <= limit)
        {
            return new SharePage(items, null);
        }
        items.RemoveAt(limit);
        return new SharePage(items, new ShareCursor(items[^1].CreatedAt, items[^1].ShareId).Encode());
    }

    /// <summary>Changes the fields sent; a new snapshot when asked, locking the conversation as a creation does.</summary>
    public async Task<ShareResult> UpdateAsync(Guid userId, string shareId, UpdateShareRequest request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        Guid conversationId;
        await using (var find = new NpgsqlCommand(
            "SELECT conversation_id FROM chat.shares WHERE id = $1 AND user_id = $2 FOR UPDATE", connection, transaction))
        {
            find.Parameters.Add(new() { Value = shareId });
            find.Parameters.Add(new() { Value = userId });
            if (await find.ExecuteScalarAsync(cancellationToken) is not Guid found)
            {
                return new ShareResult.NotFound();
            }
            conversationId = found;
        }
        string? snapshot = null;
        Conversation? conversation = null;
        if (request is { Resnapshot: true, MessageId: { } leafId })
        {
            conversation = await ConversationStore.FindAsync(connection, transaction, userId, conversationId, forUpdate: true, cancellationToken);
            snapshot = conversation is null ? null : await SnapshotAsync(connection, transaction, userId, conversationId, leafId, cancellationToken);
            if (snapshot is null)
            {
                return new ShareResult.MessageNotFound();
            }
        }
        await using var update = new NpgsqlCommand($"""
            UPDATE chat.shares
            SET visibility = COALESCE($3, visibility),
                indexable = COALESCE($4, indexable),
                expires_at = CASE WHEN $5 THEN $6 ELSE expires_at END,
                leaf_id = COALESCE($7, leaf_id),
                snapshot = COALESCE($8, snapshot),
                title = CASE WHEN $8::jsonb IS NULL THEN title ELSE $9 END,
                model = COALESCE($10, model),
                updated_at = $11
            WHERE id = $1 AND user_id = $2
            RETURNING {ShareColumns}
            """, connection, transaction);
        update.Parameters.Add(new() { Value = shareId });
        update.Parameters.Add(new() { Value = userId });
        update.Parameters.Add(new() { Value = (object?)request.Visibility ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        update.Parameters.Add(new() { Value = (object?)request.Indexable ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean });
        update.Parameters.Add(new() { Value = request.ExpiresAtGiven });
        update.Parameters.Add(new() { Value = (object?)request.ExpiresAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        update.Parameters.Add(new() { Value = snapshot is null ? DBNull.Value : request.MessageId!.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        update.Parameters.Add(new() { Value = (object?)snapshot ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb });
        update.Parameters.Add(new() { Value = (object?)conversation?.Title ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        update.Parameters.Add(new() { Value = (object?)conversation?.Model ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        update.Parameters.Add(new() { Value = conversations.Now() });
        var share = await ReadOneAsync(update, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new ShareResult.Done(share!);
    }

    /// <summary>Revokes: the share is deleted, so its id answers as one that never existed. False when it is not the user's.</summary>
    public async Task<bool> DeleteAsync(Guid userId, string shareId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM chat.shares WHERE id = $1 AND user_id = $2");
        command.Parameters.Add(new() { Value = shareId });
        command.Parameters.Add(new() { Value = userId });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The live share (not expired at <paramref name="now"/>); null for an unknown, revoked or expired one alike.</summary>
    public async Task<SharedConversation?> FindLiveAsync(string shareId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT title, model, visibility, indexable, updated_at, snapshot::text FROM chat.shares
            WHERE id = $1 AND (expires_at IS NULL OR expires_at > $2)
            """);
        command.Parameters.Add(new() { Value = shareId });
        command.Parameters.Add(new() { Value = now });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new SharedConversation(
            shareId,
            reader.IsDBNull(0) ? null : reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2),
            reader.GetBoolean(3),
            reader.GetFieldValue<DateTimeOffset>(4),
            JsonSerializer.Deserialize<List<SharedMessage>>(reader.GetString(5), JsonDefaults.Options) ?? []);
    }

    /// <summary>
    /// A new conversation of <paramref name="userId"/> holding the snapshot as one branch (no system prompt, no citations:
    /// the cited files are the owner's), each message with its <c>chat.message.created</c>, in one transaction.
    /// </summary>
    public async Task<Conversation> ContinueAsync(Guid userId, SharedConversation shared, CancellationToken cancellationToken)
    {
        var now = conversations.Now();
        var conversationId = Guid.CreateVersion7();
        var ids = shared.Messages.Select(_ => Guid.CreateVersion7()).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("""
            WITH c AS (
                INSERT INTO chat.conversations (user_id, id, title, model, system_prompt, current_leaf_id, created_at, updated_at)
                VALUES ($1, $2, $3, $4, NULL, $5, $6, $6))
            INSERT INTO chat.messages (user_id, conversation_id, id, parent_id, role, content, status, model, created_at, sibling_index)
            SELECT $1, $2, m.id, m.parent_id, m.role, m.content, 'complete', m.model, m.created_at, 0
            FROM unnest($7::uuid[], $8::uuid[], $9::text[], $10::text[], $11::text[], $12::timestamptz[]) AS m(id, parent_id, role, content, model, created_at)
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = userId });
            command.Parameters.Add(new() { Value = conversationId });
            command.Parameters.Add(new() { Value = (object?)shared.Title ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = shared.Model });
            command.Parameters.Add(new() { Value = ids.Length == 0 ? DBNull.Value : ids[^1], NpgsqlDbType = NpgsqlDbType.Uuid });
            command.Parameters.Add(new() { Value = now });
            command.Parameters.Add(new() { Value = ids });
            command.Parameters.Add(new() { Value = ids.Select((_, i) => i == 0 ? (Guid?)null : ids[i - 1]).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            command.Parameters.Add(new() { Value = shared.Messages.Select(m => m.Role.ToString().ToLowerInvariant()).ToArray() });
            command.Parameters.Add(new() { Value = shared.Messages.Select(m => m.Content).ToArray() });
            command.Parameters.Add(new() { Value = shared.Messages.Select(m => m.Model).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = shared.Messages.Select(m => m.CreatedAt).ToArray() });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        // Search indexes messages from these events, as it does the ones a turn writes.
        var events = shared.Messages.Select((m, i) => EventToAppend.Create(
            ConversationStore.MessageCreatedEvent, conversationId.ToString(),
            new CopiedMessageCreated(userId, conversationId, ids[i], i == 0 ? null : ids[i - 1], m.Role.ToString().ToLowerInvariant()))).ToList();
        if (events.Count > 0)
        {
            await eventLog.AppendAsync(connection, transaction, events, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new Conversation(conversationId, shared.Title, shared.Model, null, ids.Length == 0 ? null : ids[^1], now, now);
    }

    /// <summary>
    /// The path root → <paramref name="leafId"/> as snapshot JSON: role, content, model, time and citations (source, file
    /// name, page), never a system message; null when the leaf is not in the conversation.
    /// </summary>
    private static async Task<string?> SnapshotAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, Guid conversationId, Guid leafId, CancellationToken cancellationToken)
    {
        var path = await ConversationStore.ReadPathAsync(connection, transaction, userId, conversationId, leafId, cancellationToken);
        if (path.Count == 0)
        {
            return null;
        }
        var messages = path
            .Where(m => m.Role != MessageRole.System)
            .Select(m => new SharedMessage(m.Role, m.Content, m.Model, m.CreatedAt, [.. m.Citations.Select(c => new SharedCitation(c.Source, c.FileName, c.Page))]))
            .ToList();
        return JsonSerializer.Serialize(messages, JsonDefaults.Options);
    }

    private static async Task<Share?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadShare(reader) : null;
    }

    private static Share ReadShare(NpgsqlDataReader reader)
    {
        var id = reader.GetString(0);
        return new Share(
            id,
            ShareRules.UrlOf(id),
            reader.GetGuid(1),
            reader.GetGuid(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.GetString(4),
            reader.GetBoolean(5),
            reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
            reader.GetInt32(7),
            reader.GetFieldValue<DateTimeOffset>(8),
            reader.GetFieldValue<DateTimeOffset>(9));
    }

    /// <summary>The payload a user message's <c>chat.message.created</c> carries, for a copied message of either role.</summary>
    private sealed record CopiedMessageCreated(Guid UserId, Guid ConversationId, Guid MessageId, Guid? ParentId, string Role);
}

public abstract record ShareResult
{
    public sealed record Done(Share Share) : ShareResult;

    public sealed record NotFound : ShareResult;

    public sealed record MessageNotFound : ShareResult;

    public sealed record TooMany : ShareResult;
}
