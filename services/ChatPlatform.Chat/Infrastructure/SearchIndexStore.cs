using Npgsql;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// Writes <c>chat.search_entries</c> for the search consumer. Every write copies the current state of the message and of
/// its conversation rather than an event's payload, so applying an event twice, or late, leaves the same rows.
/// </summary>
public sealed class SearchIndexStore(NpgsqlDataSource dataSource)
{
    /// <summary>The part of a message that is indexed; a tsvector holds at most 1 MB.</summary>
    public const int MaxIndexedCharacters = 32_000;

    // A row whose text changed (an answer finished, a title renamed) loses its vector: it would be the old text's. The
    // embedder gives it the new one (SearchEmbeddingStore); a vector of the same text is kept.
    private const string KeepVectorOfSameText = """
        embedding = CASE WHEN search_entries.body = EXCLUDED.body THEN search_entries.embedding END,
        embedding_model = CASE WHEN search_entries.body = EXCLUDED.body THEN search_entries.embedding_model END
        """;

    /// <summary>
    /// Indexes the message (once it has text) and its conversation's title, with the conversation's filter columns.
    /// A message of a deleted conversation, or one gone, writes nothing.
    /// </summary>
    public async Task IndexMessageAsync(Guid userId, Guid conversationId, Guid messageId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            INSERT INTO chat.search_entries (user_id, id, conversation_id, role, body, model, folder_id, tags, archived, created_at)
            SELECT m.user_id, m.id, m.conversation_id, m.role, left(m.content, {MaxIndexedCharacters}), c.model, c.folder_id, c.tags,
                   c.archived_at IS NOT NULL, m.created_at
            FROM chat.messages m
            JOIN chat.conversations c ON c.user_id = m.user_id AND c.id = m.conversation_id AND c.deleted_at IS NULL
            WHERE m.user_id = $1 AND m.id = $2 AND m.conversation_id = $3 AND m.content <> ''
            ON CONFLICT (user_id, id) DO UPDATE SET body = EXCLUDED.body, model = EXCLUDED.model, folder_id = EXCLUDED.folder_id,
                tags = EXCLUDED.tags, archived = EXCLUDED.archived, {KeepVectorOfSameText}
            WHERE (search_entries.body, search_entries.model, search_entries.folder_id, search_entries.tags, search_entries.archived)
                IS DISTINCT FROM (EXCLUDED.body, EXCLUDED.model, EXCLUDED.folder_id, EXCLUDED.tags, EXCLUDED.archived)
            """)
        {
            Parameters = { new() { Value = userId }, new() { Value = messageId }, new() { Value = conversationId } },
        });
        batch.BatchCommands.Add(UpsertTitle(userId, conversationId));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Copies the conversation's title, model, folder, tags and archive onto its rows (each changed row is rewritten, with
    /// its index entries: none when nothing changed); a deleted conversation loses its rows.
    /// </summary>
    public async Task RefreshConversationAsync(Guid userId, Guid conversationId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            UPDATE chat.search_entries e
            SET model = c.model, folder_id = c.folder_id, tags = c.tags, archived = c.archived_at IS NOT NULL
            FROM chat.conversations c
            WHERE e.user_id = $1 AND e.conversation_id = $2 AND c.user_id = $1 AND c.id = $2 AND c.deleted_at IS NULL
              AND (e.model, e.folder_id, e.tags, e.archived) IS DISTINCT FROM (c.model, c.folder_id, c.tags, c.archived_at IS NOT NULL)
            """)
        {
            Parameters = { new() { Value = userId }, new() { Value = conversationId } },
        });
        batch.BatchCommands.Add(UpsertTitle(userId, conversationId));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            DELETE FROM chat.search_entries e
            WHERE e.user_id = $1 AND e.conversation_id = $2
              AND NOT EXISTS (SELECT 1 FROM chat.conversations c WHERE c.user_id = $1 AND c.id = $2 AND c.deleted_at IS NULL)
            """)
        {
            Parameters = { new() { Value = userId }, new() { Value = conversationId } },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task DeleteConversationAsync(Guid userId, Guid conversationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM chat.search_entries WHERE user_id = $1 AND conversation_id = $2");
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = conversationId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> DeleteUserAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM chat.search_entries WHERE user_id = $1");
        command.Parameters.Add(new() { Value = userId });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The title's row as the conversation now has it: written, changed, or removed when the title was cleared.</summary>
    private static NpgsqlBatchCommand UpsertTitle(Guid userId, Guid conversationId) => new($"""
        WITH current AS (
            SELECT c.user_id, c.id, c.title, c.model, c.folder_id, c.tags, c.archived_at IS NOT NULL AS archived, c.created_at
            FROM chat.conversations c
            WHERE c.user_id = $1 AND c.id = $2 AND c.deleted_at IS NULL
        ),
        cleared AS (
            DELETE FROM chat.search_entries e
            WHERE e.user_id = $1 AND e.id = $2 AND e.role = 'title'
              AND NOT EXISTS (SELECT 1 FROM current WHERE current.title IS NOT NULL AND btrim(current.title) <> '')
        )
        INSERT INTO chat.search_entries (user_id, id, conversation_id, role, body, model, folder_id, tags, archived, created_at)
        SELECT user_id, id, id, 'title', title, model, folder_id, tags, archived, created_at
        FROM current WHERE title IS NOT NULL AND btrim(title) <> ''
        ON CONFLICT (user_id, id) DO UPDATE SET body = EXCLUDED.body, model = EXCLUDED.model, folder_id = EXCLUDED.folder_id,
            tags = EXCLUDED.tags, archived = EXCLUDED.archived, {KeepVectorOfSameText}
        WHERE (search_entries.body, search_entries.model, search_entries.folder_id, search_entries.tags, search_entries.archived)
            IS DISTINCT FROM (EXCLUDED.body, EXCLUDED.model, EXCLUDED.folder_id, EXCLUDED.tags, EXCLUDED.archived)
        """)
    {
        Parameters = { new() { Value = userId }, new() { Value = conversationId } },
    };
}
