using ChatPlatform.Chat.Model;
using ChatPlatform.EventLog;
using Npgsql;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>Conversation titles written after the first exchange, never over one already there.</summary>
public sealed class TitleStore(NpgsqlDataSource dataSource, IEventLog eventLog, TimeProvider time)
{
    /// <summary>
    /// The model and the question of an untitled conversation whose answer <paramref name="answerId"/> is to its first
    /// message; null otherwise (titled, deleted, or a later exchange).
    /// </summary>
    public async Task<UntitledExchange?> FindUntitledFirstExchangeAsync(Guid userId, Guid conversationId, Guid answerId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.model, q.content
            FROM chat.conversations c
            JOIN chat.messages a ON a.user_id = c.user_id AND a.conversation_id = c.id AND a.id = $3 AND a.role = 'assistant'
            JOIN chat.messages q ON q.user_id = c.user_id AND q.id = a.parent_id AND q.parent_id IS NULL
            WHERE c.user_id = $1 AND c.id = $2 AND c.title IS NULL AND c.deleted_at IS NULL
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = conversationId });
        command.Parameters.Add(new() { Value = answerId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new UntitledExchange(reader.GetString(0), reader.GetString(1)) : null;
    }

    /// <summary>
    /// Sets the title unless one was set meanwhile (by the user, or by an earlier delivery of the same event), and commits
    /// a <c>chat.conversation.updated</c> when it set the title, and
    /// the <c>usage.recorded</c> of the router call that wrote it (source <c>title</c>) in the same transaction: the call
    /// was paid for even when the user's own title wins. A redelivery after the commit finds the title and asks nothing.
    /// </summary>
    public async Task<bool> SetTitleIfMissingAsync(
        Guid userId, Guid conversationId, string title, TitleUsage? usage, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            UPDATE chat.conversations SET title = $3 WHERE user_id = $1 AND id = $2 AND title IS NULL AND deleted_at IS NULL
            RETURNING model, folder_id, tags, starred, archived_at IS NOT NULL
            """,
            connection, transaction);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = conversationId });
        command.Parameters.Add(new() { Value = title });
        ConversationUpdated? updated = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                updated = new ConversationUpdated(userId, conversationId, title, reader.GetString(0),
                    reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.GetFieldValue<string[]>(2), reader.GetBoolean(3), reader.GetBoolean(4));
            }
        }
        var set = updated is not null;
        if (updated is not null)
        {
            // Like a rename: search indexes the title from it (docs/conversations.md, Events).
            await eventLog.AppendAsync(connection, transaction,
                EventToAppend.Create(ConversationStore.ConversationUpdatedEvent, conversationId.ToString(), updated), cancellationToken);
        }
        if (usage is { Usage: var u })
        {
            await eventLog.AppendAsync(connection, transaction, EventToAppend.Create(TurnStore.UsageRecordedEvent, userId.ToString(), new
            {
                userId,
                source = "title",
                conversationId,
                status = "complete",
                model = usage.Model,
                // Without the router's figures nobody knows who served it: billing prices it from the model (docs/usage.md).
                deployment = string.IsNullOrEmpty(u.Deployment) ? "unknown" : u.Deployment,
                provider = string.IsNullOrEmpty(u.Deployment) || string.IsNullOrEmpty(u.Provider) ? "unknown" : u.Provider,
                inputTokens = u.InputTokens,
                cachedInputTokens = u.CachedInputTokens,
                outputTokens = u.OutputTokens,
                estimated = u.Estimated,
                costUsd = string.IsNullOrEmpty(u.Deployment) ? 0m : u.CostUsd,
                timeToFirstTokenMs = u.TimeToFirstTokenMs,
                durationMs = usage.DurationMs,
                occurredAt = time.GetUtcNow(),
            }), cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return set;
    }
}

public sealed record UntitledExchange(string Model, string Question);

/// <summary>What the router call that named a conversation used, on the model it was asked.</summary>
public sealed record TitleUsage(string Model, RouterUsage Usage, long DurationMs);
