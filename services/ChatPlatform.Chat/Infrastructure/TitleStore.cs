using Npgsql;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>Conversation titles written after the first exchange, never over one already there.</summary>
public sealed class TitleStore(NpgsqlDataSource dataSource)
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

    /// <summary>Sets the title unless one was set meanwhile (by the user, or by an earlier delivery of the same event).</summary>
    public async Task<bool> SetTitleIfMissingAsync(Guid userId, Guid conversationId, string title, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE chat.conversations SET title = $3 WHERE user_id = $1 AND id = $2 AND title IS NULL AND deleted_at IS NULL");
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = conversationId });
        command.Parameters.Add(new() { Value = title });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }
}

public sealed record UntitledExchange(string Model, string Question);
