using ChatPlatform.Chat.Model;
using ChatPlatform.EventLog;
using Npgsql;
using NpgsqlTypes;
using static ChatPlatform.Chat.Infrastructure.ConversationStore;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// The assistant messages of streaming turns: started (the user message and an empty <c>streaming</c> answer in one
/// transaction), kept alive by the owner's heartbeat, and finished once, with the usage event in the same transaction.
/// Every finishing update requires <c>status = 'streaming'</c>, so an owner and a sweeper never both finish a message.
/// </summary>
public sealed class TurnStore(NpgsqlDataSource dataSource, ConversationStore conversations, IEventLog eventLog, TimeProvider timeProvider)
{
    public const string UsageRecordedEvent = "usage.recorded";
    public const string MessageCompletedEvent = "chat.message.completed";

    private const string StateColumns =
        "finish_reason, deployment, provider, input_tokens, cached_input_tokens, output_tokens, usage_estimated, cost_usd, " +
        "time_to_first_token_ms, error_code, error_detail, last_event_id";

    /// <summary>Appends the user's message (a sibling branch when <paramref name="parentIdGiven"/>) and the streaming answer under it.</summary>
    public async Task<TurnStart> StartTurnAsync(
        Guid userId, Guid conversationId, string content, Guid? parentId, bool parentIdGiven, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await ConversationStore.FindAsync(connection, transaction, userId, conversationId, forUpdate: true, cancellationToken) is not { } conversation)
        {
            return new TurnStart.ConversationNotFound();
        }
        if (await conversations.AppendUserMessageAsync(connection, transaction, userId, conversation, content, parentId, parentIdGiven, cancellationToken)
            is not AppendResult.Appended appended)
        {
            return new TurnStart.ParentNotFound();
        }
        var started = await StartAnswerAsync(connection, transaction, userId, conversation, appended.Message, appended.Message.Id, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return started;
    }

    /// <summary>A new answer beside the assistant message <paramref name="messageId"/>, to the same user message.</summary>
    public async Task<TurnStart> StartRegenerateAsync(Guid userId, Guid conversationId, Guid messageId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await ConversationStore.FindAsync(connection, transaction, userId, conversationId, forUpdate: true, cancellationToken) is not { } conversation)
        {
            return new TurnStart.ConversationNotFound();
        }
        await using var find = new NpgsqlCommand(
            "SELECT parent_id FROM chat.messages WHERE user_id = $1 AND conversation_id = $2 AND id = $3 AND role = 'assistant'",
            connection, transaction);
        find.Parameters.Add(new() { Value = userId });
        find.Parameters.Add(new() { Value = conversationId });
        find.Parameters.Add(new() { Value = messageId });
        if (await find.ExecuteScalarAsync(cancellationToken) is not Guid question)
        {
            return new TurnStart.MessageNotFound();
        }
        var started = await StartAnswerAsync(connection, transaction, userId, conversation, null, question, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return started;
    }

    private async Task<TurnStart> StartAnswerAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, Conversation conversation, Message? userMessage, Guid question,
        CancellationToken cancellationToken)
    {
        var now = Truncate(timeProvider.GetUtcNow());
        var answer = await InsertMessageAsync(
            connection, transaction, userId, conversation.Id, question, MessageRole.Assistant, "", MessageStatus.Streaming, conversation.Model, now,
            cancellationToken);
        await SetLeafAsync(connection, transaction, userId, conversation.Id, answer.Id, now, cancellationToken);
        var path = await ReadPathAsync(connection, transaction, userId, conversation.Id, question, cancellationToken);
        return new TurnStart.Started(conversation, userMessage, answer, path);
    }

    /// <summary>The owner's proof of life: the text so far and the time. False once the message is no longer streaming.</summary>
    public async Task<bool> HeartbeatAsync(Guid userId, Guid messageId, string content, long lastEventId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE chat.messages SET content = $3, heartbeat_at = $4, last_event_id = $5
            WHERE user_id = $1 AND id = $2 AND status = 'streaming'
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = messageId });
        command.Parameters.Add(new() { Value = content });
        command.Parameters.Add(new() { Value = timeProvider.GetUtcNow() });
        command.Parameters.Add(new() { Value = lastEventId });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>
    /// Commits how the answer ended and, when anything was generated or usage came, its <c>usage.recorded</c> event, in one
    /// transaction. Null when the message was no longer streaming (a sweeper finished it first, or it was deleted).
    /// </summary>
    public async Task<Message?> FinishAsync(Guid userId, Guid messageId, TurnOutcome outcome, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        await using var update = new NpgsqlCommand($"""
            UPDATE chat.messages SET
                status = $3, content = $4, finish_reason = $5, deployment = $6, provider = $7, input_tokens = $8, cached_input_tokens = $9,
                output_tokens = $10, usage_estimated = $11, cost_usd = $12, time_to_first_token_ms = $13, duration_ms = $14,
                error_code = $15, error_detail = $16, last_event_id = $17, finished_at = $18, heartbeat_at = NULL
            WHERE user_id = $1 AND id = $2 AND status = 'streaming'
            RETURNING {MessageColumns}
            """, connection, transaction);
        var usage = outcome.Usage;
        update.Parameters.Add(new() { Value = userId });
        update.Parameters.Add(new() { Value = messageId });
        update.Parameters.Add(new() { Value = ToSql(outcome.Status) });
        update.Parameters.Add(new() { Value = outcome.Content });
        update.Parameters.Add(Nullable(outcome.FinishReason, NpgsqlDbType.Text));
        update.Parameters.Add(Nullable(usage?.Deployment, NpgsqlDbType.Text));
        update.Parameters.Add(Nullable(usage?.Provider, NpgsqlDbType.Text));
        update.Parameters.Add(Nullable(usage?.InputTokens, NpgsqlDbType.Bigint));
        update.Parameters.Add(Nullable(usage?.CachedInputTokens, NpgsqlDbType.Bigint));
        update.Parameters.Add(Nullable(usage?.OutputTokens, NpgsqlDbType.Bigint));
        update.Parameters.Add(Nullable(usage?.Estimated, NpgsqlDbType.Boolean));
        update.Parameters.Add(Nullable(usage?.CostUsd, NpgsqlDbType.Numeric));
        update.Parameters.Add(Nullable(usage?.TimeToFirstTokenMs, NpgsqlDbType.Bigint));
        update.Parameters.Add(new() { Value = outcome.DurationMs });
        update.Parameters.Add(Nullable(outcome.ErrorCode, NpgsqlDbType.Text));
        update.Parameters.Add(Nullable(outcome.ErrorDetail, NpgsqlDbType.Text));
        update.Parameters.Add(new() { Value = outcome.LastEventId });
        update.Parameters.Add(new() { Value = now });
        Message message;
        await using (var reader = await update.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }
            message = ReadMessage(reader);
        }

        var events = new List<EventToAppend>
        {
            EventToAppend.Create(MessageCompletedEvent, message.ConversationId.ToString(), new
            {
                userId,
                conversationId = message.ConversationId,
                messageId = message.Id,
                parentId = message.ParentId,
                role = "assistant",
                status = ToSql(message.Status),
            }),
        };
        if (usage is not null)
        {
            events.Add(EventToAppend.Create(UsageRecordedEvent, userId.ToString(), new
            {
                userId,
                source = "chat",
                conversationId = message.ConversationId,
                messageId = message.Id,
                model = usage.Model,
                deployment = usage.Deployment,
                provider = usage.Provider,
                inputTokens = usage.InputTokens,
                cachedInputTokens = usage.CachedInputTokens,
                outputTokens = usage.OutputTokens,
                estimated = usage.Estimated,
                costUsd = usage.CostUsd,
                timeToFirstTokenMs = usage.TimeToFirstTokenMs,
                durationMs = outcome.DurationMs,
                occurredAt = now,
            }));
        }
        await eventLog.AppendAsync(connection, transaction, events, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return message;
    }

    /// <summary>A message of the user's conversation with how it ended; null when either id is not the user's.</summary>
    public async Task<MessageState?> FindAsync(Guid userId, Guid conversationId, Guid messageId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {MessageColumns}, {StateColumns}, heartbeat_at FROM chat.messages m
            WHERE user_id = $1 AND conversation_id = $2 AND id = $3
              AND EXISTS (SELECT 1 FROM chat.conversations c WHERE c.user_id = $1 AND c.id = $2 AND c.deleted_at IS NULL)
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = conversationId });
        command.Parameters.Add(new() { Value = messageId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadState(reader) : null;
    }

    /// <summary>Streaming messages whose owner has not been heard of since <paramref name="heartbeatBefore"/>, across users.</summary>
    public async Task<IReadOnlyList<StaleAnswer>> FindStaleAsync(DateTimeOffset heartbeatBefore, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT user_id, conversation_id, id, content, COALESCE(last_event_id, 0) FROM chat.messages
            WHERE status = 'streaming' AND heartbeat_at < $1
            ORDER BY heartbeat_at
            LIMIT $2
            """);
        command.Parameters.Add(new() { Value = heartbeatBefore });
        command.Parameters.Add(new() { Value = limit });
        var stale = new List<StaleAnswer>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            stale.Add(new StaleAnswer(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetInt64(4)));
        }
        return stale;
    }

    /// <summary>
    /// Marks an answer whose owner died <c>interrupted</c>, keeping <paramref name="content"/>, unless its heartbeat came back
    /// after <paramref name="heartbeatBefore"/> or someone finished it first (then null): of two sweepers, one wins.
    /// </summary>
    public async Task<Message?> InterruptStaleAsync(
        Guid userId, Guid messageId, string content, long lastEventId, DateTimeOffset heartbeatBefore, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE chat.messages SET status = 'interrupted', content = $3, error_code = 'interrupted',
                error_detail = $4, last_event_id = $5, finished_at = $6, heartbeat_at = NULL
            WHERE user_id = $1 AND id = $2 AND status = 'streaming' AND heartbeat_at < $7
            RETURNING {MessageColumns}
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = messageId });
        command.Parameters.Add(new() { Value = content });
        command.Parameters.Add(new() { Value = InterruptedDetail });
        command.Parameters.Add(new() { Value = lastEventId });
        command.Parameters.Add(new() { Value = timeProvider.GetUtcNow() });
        command.Parameters.Add(new() { Value = heartbeatBefore });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadMessage(reader) : null;
    }

    public const string InterruptedDetail = "The service generating the answer stopped before it was complete.";

    // numeric(18, 8) reads back with its scale (0.00042000); without the trailing zeros it is the value the router sent.
    private static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;

    private static NpgsqlParameter Nullable(object? value, NpgsqlDbType type) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };

    private static MessageState ReadState(NpgsqlDataReader reader)
    {
        var message = ReadMessage(reader);
        const int c = 9;
        var usage = reader.IsDBNull(c + 1)
            ? null
            : new TurnUsage(
                reader.GetInt64(c + 3), reader.GetInt64(c + 4), reader.GetInt64(c + 5), reader.GetBoolean(c + 6), Normalize(reader.GetDecimal(c + 7)),
                message.Model ?? "", reader.GetString(c + 1), reader.GetString(c + 2), reader.GetInt64(c + 8));
        return new MessageState(
            message,
            reader.IsDBNull(c) ? null : reader.GetString(c),
            usage,
            reader.IsDBNull(c + 9) ? null : reader.GetString(c + 9),
            reader.IsDBNull(c + 10) ? null : reader.GetString(c + 10),
            reader.IsDBNull(c + 11) ? null : reader.GetInt64(c + 11));
    }
}

public abstract record TurnStart
{
    /// <param name="ContextPath">Root → the user message being answered.</param>
    public sealed record Started(Conversation Conversation, Message? UserMessage, Message Answer, IReadOnlyList<PathMessage> ContextPath) : TurnStart;

    public sealed record ConversationNotFound : TurnStart;

    public sealed record ParentNotFound : TurnStart;

    public sealed record MessageNotFound : TurnStart;
}

/// <summary>A message with how its turn ended (all null while it streams).</summary>
public sealed record MessageState(Message Message, string? FinishReason, TurnUsage? Usage, string? ErrorCode, string? ErrorDetail, long? LastEventId);

/// <param name="LastEventId">The number of the last event the owner had sent at its last heartbeat.</param>
public sealed record StaleAnswer(Guid UserId, Guid ConversationId, Guid MessageId, string Content, long LastEventId);
