using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using Npgsql;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// Verdicts on answers in <c>chat.message_feedback</c>. A user's statements are scoped by their id and reach only answers
/// of their own conversations that are not deleted; the admins' list reads across users.
/// </summary>
public sealed class FeedbackStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const int ExcerptLength = 200;

    /// <summary>Sets (or changes) the user's verdict on an answer; null when the answer is not one of theirs.</summary>
    public async Task<Feedback?> SetAsync(Guid userId, Guid conversationId, Guid messageId, short rating, string? comment, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO chat.message_feedback (user_id, message_id, conversation_id, rating, comment, created_at, updated_at)
            SELECT m.user_id, m.id, m.conversation_id, $4, $5, $6, $6
            FROM chat.messages m
            JOIN chat.conversations c ON c.user_id = m.user_id AND c.id = m.conversation_id AND c.deleted_at IS NULL
            WHERE m.user_id = $1 AND m.conversation_id = $2 AND m.id = $3 AND m.role = 'assistant'
            ON CONFLICT (user_id, message_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, updated_at = excluded.updated_at
            RETURNING message_id, rating, comment, updated_at
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = conversationId });
        command.Parameters.Add(new() { Value = messageId });
        command.Parameters.Add(new() { Value = rating });
        command.Parameters.Add(new() { Value = (object?)comment ?? DBNull.Value });
        command.Parameters.Add(new() { Value = time.GetUtcNow() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadFeedback(reader) : null;
    }

    /// <summary>False when the user had no verdict on that answer of that conversation.</summary>
    public async Task<bool> DeleteAsync(Guid userId, Guid conversationId, Guid messageId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM chat.message_feedback WHERE user_id = $1 AND conversation_id = $2 AND message_id = $3");
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = conversationId });
        command.Parameters.Add(new() { Value = messageId });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>The user's verdicts in one of their conversations; null when the conversation is not theirs.</summary>
    public async Task<IReadOnlyList<Feedback>?> ListAsync(Guid userId, Guid conversationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT f.message_id, f.rating, f.comment, f.updated_at
            FROM chat.conversations c
            LEFT JOIN chat.message_feedback f ON f.user_id = c.user_id AND f.conversation_id = c.id
            WHERE c.user_id = $1 AND c.id = $2 AND c.deleted_at IS NULL
            ORDER BY f.updated_at, f.message_id
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = conversationId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        List<Feedback>? items = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            items ??= [];
            if (!reader.IsDBNull(0))
            {
                items.Add(ReadFeedback(reader));
            }
        }
        return items;
    }

    /// <summary>The most recent verdicts of every user, newest first, with the answer's model and opening.</summary>
    public async Task<IReadOnlyList<AdminFeedback>> ListRecentAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT f.user_id, f.conversation_id, f.message_id, f.rating, f.comment, m.model, left(m.content, $2), f.updated_at
            FROM chat.message_feedback f
            JOIN chat.messages m ON m.user_id = f.user_id AND m.id = f.message_id
            ORDER BY f.updated_at DESC, f.message_id DESC
            LIMIT $1
            """);
        command.Parameters.Add(new() { Value = limit });
        command.Parameters.Add(new() { Value = ExcerptLength });
        var items = new List<AdminFeedback>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new AdminFeedback(
                reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), FeedbackRules.RatingName(reader.GetInt16(3)),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7)));
        }
        return items;
    }

    private static Feedback ReadFeedback(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), FeedbackRules.RatingName(reader.GetInt16(1)), reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.GetFieldValue<DateTimeOffset>(3));
}
