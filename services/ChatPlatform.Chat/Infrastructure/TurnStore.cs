using System.Text.Json;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using ChatPlatform.EventLog;
using Npgsql;
using NpgsqlTypes;
using static ChatPlatform.Chat.Infrastructure.ConversationStore;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// The assistant messages of streaming turns: started (the user message and an empty <c>streaming</c> answer in one
/// transaction), owned by this <see cref="ChatInstance"/> while they stream (its heartbeat is their proof of life), and
/// finished once, with the usage event in the same transaction. Every finishing update requires <c>status = 'streaming'</c>,
/// so an owner and a sweeper never both finish a message. Each transaction sends its statements as one batch: a start
/// costs one round trip (the user message's event and the COMMIT in it; with a quota check, the COMMIT follows the check),
/// a finish one and a commit (which must wait to know that the answer was still streaming).
/// </summary>
public sealed class TurnStore(NpgsqlDataSource dataSource, IEventLog eventLog, ChatInstance instance, TimeProvider timeProvider)
{
    public const string UsageRecordedEvent = "usage.recorded";
    public const string MessageCompletedEvent = "chat.message.completed";

    private const string StateColumns =
        "finish_reason, deployment, provider, input_tokens, cached_input_tokens, output_tokens, usage_estimated, cost_usd, " +
        "time_to_first_token_ms, error_code, error_detail, last_event_id, citations::text";

    // The answers of an instance whose heartbeat is older than $cutoff, and those started before instances had heartbeats
    // (instance_id NULL), judged by their own. Both branches use a partial index of streaming messages.
    private static string OwnerIsStale(string cutoff) =>
        $"(instance_id IN (SELECT id FROM chat.chat_instances WHERE heartbeat_at < {cutoff}) OR (instance_id IS NULL AND heartbeat_at < {cutoff}))";

    // The user message as every user message is written, the streaming answer $8 under it (the new leaf) unless the
    // conversation's model is not among $9, owned by instance $10; the message's files ($11..$14: ids, names, media types,
    // kinds) in order; the answer's quota hold $15.
    private const string StartTurnSql = $"""
        WITH c AS ({UserMessageConversationSql} AND model = ANY($9)), {InsertUserMessageCtes}, answer AS (
            INSERT INTO chat.messages (user_id, conversation_id, id, parent_id, role, content, status, model, created_at, sibling_index, instance_id, reservation_id)
            SELECT $1, $2, $8, question.id, 'assistant', '', 'streaming', question.model, $7, 0, $10, $15 FROM question
            RETURNING id
        ), leaf AS (
            UPDATE chat.conversations SET current_leaf_id = $8, updated_at = $7, has_files = has_files OR cardinality($11::uuid[]) > 0
            WHERE user_id = $1 AND id = $2 AND EXISTS (SELECT 1 FROM answer)
        ), files AS (
            INSERT INTO chat.message_files (user_id, message_id, ordinal, file_id, name, media_type, kind)
            SELECT $1, question.id, f.ordinal, f.file_id, f.name, f.media_type, f.kind
            FROM question CROSS JOIN unnest($11::uuid[], $12::text[], $13::text[], $14::text[]) WITH ORDINALITY AS f(file_id, name, media_type, kind, ordinal)
        )
        SELECT parent_id, sibling_index FROM question
        """;

    // The streaming answer $4 under the question of the answer $3 (a sibling of it, the new leaf), unless the conversation's
    // model is not among $5; owned by instance $7, with the quota hold $8.
    private static readonly string StartRegenerateSql = StartAnswerSql("""
        SELECT m.parent_id AS id, c.model FROM chat.messages m CROSS JOIN c
        WHERE m.user_id = $1 AND m.conversation_id = $2 AND m.id = $3 AND m.role = 'assistant' AND m.parent_id IS NOT NULL
        """);

    // The streaming answer $4 under the answer $3 that was cut at its length limit, which it goes on from (the new leaf),
    // unless the conversation's model is not among $5; owned by instance $7, with the quota hold $8.
    private static readonly string StartContinueSql = StartAnswerSql($"""
        SELECT m.id, c.model FROM chat.messages m CROSS JOIN c
        WHERE m.user_id = $1 AND m.conversation_id = $2 AND m.id = $3 AND m.role = 'assistant' AND m.status = 'complete'
            AND m.finish_reason = '{ContinuableFinishReason}'
        """);

    /// <summary>
    /// Regenerate and continue differ only in the message the new answer goes under (<paramref name="parentSql"/>: its id
    /// and the conversation's model, reading <c>c</c>); the answer's row and the new leaf are written alike.
    /// </summary>
    private static string StartAnswerSql(string parentSql) => $"""
        WITH c AS (
            SELECT model FROM chat.conversations WHERE user_id = $1 AND id = $2 AND deleted_at IS NULL AND model = ANY($5)
        ), parent AS (
            {parentSql}
        ), answer AS (
            INSERT INTO chat.messages (user_id, conversation_id, id, parent_id, role, content, status, model, created_at, sibling_index, instance_id, reservation_id)
            SELECT $1, $2, $4, parent.id, 'assistant', '', 'streaming', parent.model, $6,
                (SELECT count(*) FROM chat.messages s WHERE s.user_id = $1 AND s.conversation_id = $2 AND s.parent_id = parent.id), $7, $8
            FROM parent
            RETURNING parent_id, sibling_index
        ), leaf AS (
            UPDATE chat.conversations SET current_leaf_id = $4, updated_at = $6
            WHERE user_id = $1 AND id = $2 AND EXISTS (SELECT 1 FROM answer)
        )
        SELECT parent_id, sibling_index FROM answer
        """;

    /// <summary>The finish reason of an answer cut at its output limit: only such an answer can be continued.</summary>
    public const string ContinuableFinishReason = "length";

    /// <summary>
    /// Appends the user's message (a sibling branch when <paramref name="parentIdGiven"/>) and the streaming answer under it,
    /// unless the conversation's model is not among <paramref name="models"/> (then nothing is written). The context is read
    /// as far as <paramref name="contextBudget"/> tokens reach (<see cref="ContextBuilder.LargestBudget"/>).
    /// </summary>
    /// <param name="readContext">
    /// The history read before the write (root → the parent the question was expected under, as <see cref="ContextSql"/>
    /// reads it within <paramref name="contextBudget"/>): when given, the write does not read it again, unless the question
    /// landed under another parent (a turn came between), and then it is read after the commit.
    /// </param>
    public async Task<TurnStart> StartTurnAsync(
        Guid userId, Guid conversationId, string content, Guid? parentId, bool parentIdGiven, IReadOnlyList<Attachment> attachments,
        IReadOnlyCollection<string> models, int contextBudget, TurnAdmission? admission, CancellationToken cancellationToken,
        IReadOnlyList<ContextMessage>? readContext = null)
    {
        var now = Truncate(timeProvider.GetUtcNow());
        var questionId = Guid.CreateVersion7();
        var answerId = Guid.CreateVersion7();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var start = UserMessageCommand(StartTurnSql, userId, conversationId, questionId, content, parentId, parentIdGiven, now);
        start.Parameters.Add(new() { Value = answerId });
        start.Parameters.Add(new() { Value = models.ToArray() });
        start.Parameters.Add(new() { Value = instance.Id });
        start.Parameters.Add(new() { Value = attachments.Select(a => a.Id).ToArray() });
        start.Parameters.Add(new() { Value = attachments.Select(a => a.Name).ToArray() });
        start.Parameters.Add(new() { Value = attachments.Select(a => a.MediaType).ToArray() });
        start.Parameters.Add(new() { Value = attachments.Select(a => a.Kind).ToArray() });
        start.Parameters.Add(Nullable(admission?.ReservationId, NpgsqlDbType.Text));
        // The context up to the question's parent: the question itself is not read back, it is the content just sent.
        const string QuestionsParent = "(SELECT parent_id FROM chat.messages WHERE user_id = $1 AND conversation_id = $2 AND id = $3)";
        var (conversation, written, context) = await LockAndWriteAsync(connection, transaction, userId, conversationId, start,
            readContext is null ? ReadContext(userId, conversationId, questionId, QuestionsParent, contextBudget) : null,
            eventLog, UserMessageCreated(userId, conversationId, questionId), cancellationToken, commit: admission is null);
        if (conversation is null)
        {
            return new TurnStart.ConversationNotFound();
        }
        if (written is not { } inserted)
        {
            return models.Contains(conversation.Model) ? new TurnStart.ParentNotFound() : new TurnStart.UnknownModel(conversation.Model);
        }
        if (readContext is not null)
        {
            // The path is immutable above a message: the same parent, the same history.
            context = readContext is [.., { Id: var last }] && last == inserted.ParentId || readContext.Count == 0 && inserted.ParentId is null
                ? [.. readContext]
                : await ReadPathAsync(connection, ReadContext(userId, conversationId, questionId, QuestionsParent, contextBudget), cancellationToken);
        }
        var question = new Message(
            questionId, conversationId, inserted.ParentId, MessageRole.User, content, MessageStatus.Complete, conversation.Model, now, inserted.SiblingIndex)
        {
            Attachments = attachments,
        };
        var answer = new Message(answerId, conversationId, questionId, MessageRole.Assistant, "", MessageStatus.Streaming, conversation.Model, now, 0);
        context.Add(new ContextMessage(MessageRole.User, content, questionId));
        return await AdmitAsync(transaction, new TurnStart.Started(conversation, question, answer, context), admission);
    }

    private static async Task<List<ContextMessage>> ReadPathAsync(NpgsqlConnection connection, NpgsqlBatchCommand read, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { read } };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var path = new List<ContextMessage>();
        while (await reader.ReadAsync(cancellationToken))
        {
            path.Add(new ContextMessage(Enum.Parse<MessageRole>(reader.GetString(0), ignoreCase: true), reader.GetString(1), reader.GetGuid(2)));
        }
        return path;
    }

    /// <summary>
    /// The turn as written, committed unless <paramref name="admission"/> refuses it (then rolled back: nothing is written).
    /// The check comes between the write and its commit because only then is the prompt known (the history the write read,
    /// the conversation's system prompt): it costs a COMMIT round trip of its own.
    /// </summary>
    private static async Task<TurnStart> AdmitAsync(NpgsqlTransaction transaction, TurnStart.Started started, TurnAdmission? admission)
    {
        if (admission is null)
        {
            return started;
        }
        if (await admission.AdmitAsync(started) is { } refusal)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            return new TurnStart.OverQuota(refusal);
        }
        // Not cancelled by the client: the hold is taken, and the turn it pays for must be saved or the caller frees it.
        await transaction.CommitAsync(CancellationToken.None);
        return started;
    }

    /// <summary>A new answer beside the assistant message <paramref name="messageId"/>, to the same user message.</summary>
    public async Task<TurnStart> StartRegenerateAsync(
        Guid userId, Guid conversationId, Guid messageId, IReadOnlyCollection<string> models, int contextBudget, TurnAdmission? admission,
        CancellationToken cancellationToken)
    {
        var now = Truncate(timeProvider.GetUtcNow());
        var answerId = Guid.CreateVersion7();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var start = AnswerStart(StartRegenerateSql, userId, conversationId, messageId, answerId, models, now, admission);
        var context = ReadContext(userId, conversationId, messageId,
            "(SELECT parent_id FROM chat.messages WHERE user_id = $1 AND conversation_id = $2 AND id = $3 AND role = 'assistant')", contextBudget);
        // A regeneration writes no user message, so no event.
        var (conversation, written, path) = await LockAndWriteAsync(
            connection, transaction, userId, conversationId, start, context, null, null, cancellationToken, commit: admission is null);
        if (conversation is null)
        {
            return new TurnStart.ConversationNotFound();
        }
        if (written is not { ParentId: { } question } inserted)
        {
            return models.Contains(conversation.Model) ? new TurnStart.MessageNotFound() : new TurnStart.UnknownModel(conversation.Model);
        }
        var answer = new Message(
            answerId, conversationId, question, MessageRole.Assistant, "", MessageStatus.Streaming, conversation.Model, now, inserted.SiblingIndex);
        return await AdmitAsync(transaction, new TurnStart.Started(conversation, null, answer, path), admission);
    }

    /// <summary>
    /// A new answer under the answer <paramref name="messageId"/>, which stopped at its length limit, going on from where it
    /// stopped: the model is sent the path to that answer and <see cref="ContextBuilder.ContinueInstruction"/> after it.
    /// <see cref="TurnStart.NotContinuable"/> when that answer did not stop at its limit (or is not finished).
    /// </summary>
    public async Task<TurnStart> StartContinueAsync(
        Guid userId, Guid conversationId, Guid messageId, IReadOnlyCollection<string> models, int contextBudget, TurnAdmission? admission,
        CancellationToken cancellationToken)
    {
        var now = Truncate(timeProvider.GetUtcNow());
        var answerId = Guid.CreateVersion7();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var start = AnswerStart(StartContinueSql, userId, conversationId, messageId, answerId, models, now, admission);
        var context = ReadContext(userId, conversationId, messageId, "$3", contextBudget);
        var (conversation, written, path) = await LockAndWriteAsync(
            connection, transaction, userId, conversationId, start, context, null, null, cancellationToken, commit: admission is null);
        if (conversation is null)
        {
            return new TurnStart.ConversationNotFound();
        }
        if (written is not { ParentId: { } cut } inserted)
        {
            // The context read tells whether the message is there: an answer that cannot be continued is a conflict.
            return !models.Contains(conversation.Model) ? new TurnStart.UnknownModel(conversation.Model)
                : path is [.., { Role: MessageRole.Assistant } last] && last.Id == messageId ? new TurnStart.NotContinuable()
                : new TurnStart.MessageNotFound();
        }
        var answer = new Message(
            answerId, conversationId, cut, MessageRole.Assistant, "", MessageStatus.Streaming, conversation.Model, now, inserted.SiblingIndex);
        path.Add(new ContextMessage(MessageRole.User, ContextBuilder.ContinueInstruction));
        return await AdmitAsync(transaction, new TurnStart.Started(conversation, null, answer, path), admission);
    }

    /// <summary>The statement that writes a new answer from an existing one (regenerate, continue), with its parameters $1..$8.</summary>
    private NpgsqlBatchCommand AnswerStart(
        string sql, Guid userId, Guid conversationId, Guid messageId, Guid answerId, IReadOnlyCollection<string> models, DateTimeOffset now,
        TurnAdmission? admission) => new(sql)
    {
        Parameters =
        {
            new() { Value = userId },
            new() { Value = conversationId },
            new() { Value = messageId },
            new() { Value = answerId },
            new() { Value = models.ToArray() },
            new() { Value = now },
            new() { Value = instance.Id },
            Nullable(admission?.ReservationId, NpgsqlDbType.Text),
        },
    };

    /// <summary>
    /// Root → the message <paramref name="start"/> names (a parameter or a subquery over $1..$3), only what the model is sent:
    /// one primary-key lookup per level, no siblings, and no older message once the newer ones have spent
    /// <paramref name="tokenBudget"/> (see <see cref="ContextSql"/>).
    /// </summary>
    private static NpgsqlBatchCommand ReadContext(Guid userId, Guid conversationId, Guid messageId, string start, int tokenBudget) => new(ContextSql(start))
    {
        Parameters = { new() { Value = userId }, new() { Value = conversationId }, new() { Value = messageId }, new() { Value = tokenBudget } },
    };

    /// <summary>
    /// The roles, texts and ids of the path root → <paramref name="start"/> ($1 the user, $2 the conversation), read newest first
    /// and no further than the first message that takes the running token estimate past $4: <see cref="ContextBuilder"/>
    /// would drop every older one, so a long conversation costs what its model's window holds, not its whole history. The
    /// estimate here never exceeds the builder's (characters, not UTF-16 units; 0 for what it skips), so nothing it keeps is
    /// left unread.
    /// </summary>
    internal static string ContextSql(string start) => $"""
        WITH RECURSIVE up AS (
            SELECT id, parent_id, role, content, 0 AS depth, {EstimatedTokens("")} AS spent
            FROM chat.messages WHERE user_id = $1 AND conversation_id = $2 AND id = {start}
            UNION ALL
            SELECT p.id, p.parent_id, p.role, p.content, up.depth + 1, up.spent + {EstimatedTokens("p.")}
            FROM {ParentsOf("up")} AND up.spent <= $4
        )
        SELECT role, content, id FROM up ORDER BY depth DESC
        """;

    // ContextBuilder.EstimateTokens in SQL, for the messages it counts.
    private static string EstimatedTokens(string row) =>
        $"CASE WHEN {row}content = '' OR {row}role = 'system' THEN 0::bigint ELSE (char_length({row}content) + 3) / 4 + 4 END";

    /// <summary>
    /// Commits how <paramref name="answer"/> ended and, when anything was generated or usage came, its <c>usage.recorded</c>
    /// event, in one transaction and one round trip before the commit. Null when the message was no longer streaming (a
    /// sweeper finished it first, or it was deleted): then nothing is committed.
    /// </summary>
    public async Task<Message?> FinishAsync(Guid userId, Message answer, TurnOutcome outcome, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var usage = outcome.Usage;
        var update = new NpgsqlBatchCommand($"""
            UPDATE chat.messages SET
                status = $3, content = $4, finish_reason = $5, deployment = $6, provider = $7, input_tokens = $8, cached_input_tokens = $9,
                output_tokens = $10, usage_estimated = $11, cost_usd = $12, time_to_first_token_ms = $13, duration_ms = $14,
                error_code = $15, error_detail = $16, last_event_id = $17, finished_at = $18, heartbeat_at = NULL, citations = $19
            WHERE user_id = $1 AND id = $2 AND status = 'streaming'
            """)
        {
            Parameters =
            {
                new() { Value = userId },
                new() { Value = answer.Id },
                new() { Value = ToSql(outcome.Status) },
                new() { Value = outcome.Content },
                Nullable(outcome.FinishReason, NpgsqlDbType.Text),
                Nullable(usage?.Deployment, NpgsqlDbType.Text),
                Nullable(usage?.Provider, NpgsqlDbType.Text),
                Nullable(usage?.InputTokens, NpgsqlDbType.Bigint),
                Nullable(usage?.CachedInputTokens, NpgsqlDbType.Bigint),
                Nullable(usage?.OutputTokens, NpgsqlDbType.Bigint),
                Nullable(usage?.Estimated, NpgsqlDbType.Boolean),
                Nullable(usage?.CostUsd, NpgsqlDbType.Numeric),
                Nullable(usage?.TimeToFirstTokenMs, NpgsqlDbType.Bigint),
                new() { Value = outcome.DurationMs },
                Nullable(outcome.ErrorCode, NpgsqlDbType.Text),
                Nullable(outcome.ErrorDetail, NpgsqlDbType.Text),
                new() { Value = outcome.LastEventId },
                new() { Value = now },
                Nullable(outcome.Citations.Count == 0 ? null : JsonSerializer.Serialize(outcome.Citations, JsonDefaults.Options), NpgsqlDbType.Jsonb),
            },
        };

        var events = EndEvents(userId, answer, outcome.Status, usage, outcome.DurationMs, now, outcome.ReservationId);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { update } };
        // The events ride in the update's round trip; when the update finds the answer already finished they roll back with it.
        using var added = eventLog.AddTo(batch, events);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        added.Written();
        if (update.RecordsAffected == 0)
        {
            return null;
        }
        await transaction.CommitAsync(cancellationToken);
        // What was just written, not read back: the answer as it started, with its end.
        return answer with { Content = outcome.Content, Status = outcome.Status, Citations = outcome.Citations };
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

    /// <summary>Streaming messages whose instance has not been heard of since <paramref name="heartbeatBefore"/>, across users.</summary>
    public async Task<IReadOnlyList<StaleAnswer>> FindStaleAsync(DateTimeOffset heartbeatBefore, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT user_id, conversation_id, id, content, COALESCE(last_event_id, 0) FROM chat.messages
            WHERE status = 'streaming' AND {OwnerIsStale("$1")}
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
    /// Streaming messages of this instance started before <paramref name="startedBefore"/>: those its registry does not hold
    /// any more lost their turn here (an end that could not be saved, a generation that failed unexpectedly).
    /// </summary>
    public async Task<IReadOnlyList<StaleAnswer>> FindOwnStreamingAsync(DateTimeOffset startedBefore, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT user_id, conversation_id, id, content, COALESCE(last_event_id, 0) FROM chat.messages
            WHERE status = 'streaming' AND instance_id = $1 AND created_at < $2
            LIMIT $3
            """);
        command.Parameters.Add(new() { Value = instance.Id });
        command.Parameters.Add(new() { Value = startedBefore });
        command.Parameters.Add(new() { Value = limit });
        var found = new List<StaleAnswer>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(new StaleAnswer(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetInt64(4)));
        }
        return found;
    }

    /// <summary>
    /// Marks an answer of this instance that is no longer generated here <c>failed</c> with <paramref name="errorCode"/>,
    /// keeping <paramref name="content"/>, unless someone finished it first (then null); its end is recorded as
    /// <see cref="InterruptStaleAsync"/> records it.
    /// </summary>
    public Task<AbandonedEnd?> FailOrphanedAsync(
        Guid userId, Guid conversationId, Guid messageId, string content, long lastEventId, string errorCode, string errorDetail,
        CancellationToken cancellationToken) =>
        EndAbandonedAsync(userId, conversationId, messageId, content, lastEventId, MessageStatus.Failed, errorCode, errorDetail,
            "instance_id = $7", instance.Id, cancellationToken);

    /// <summary>
    /// Marks an answer whose owner died <c>interrupted</c>, keeping <paramref name="content"/>, unless its instance's heartbeat
    /// came back after <paramref name="heartbeatBefore"/> or someone finished it first (then null): of two sweepers, one wins.
    /// Its end is recorded as the owner would have: <c>message.completed</c> and, when any text was generated, an estimated
    /// <c>usage.recorded</c> (the context it was sent, the text it got), in the same transaction.
    /// </summary>
    public Task<AbandonedEnd?> InterruptStaleAsync(
        Guid userId, Guid conversationId, Guid messageId, string content, long lastEventId, DateTimeOffset heartbeatBefore,
        CancellationToken cancellationToken) =>
        EndAbandonedAsync(userId, conversationId, messageId, content, lastEventId, MessageStatus.Interrupted, "interrupted", InterruptedDetail,
            OwnerIsStale("$7"), heartbeatBefore, cancellationToken);

    /// <summary>Ends a streaming answer its owner will not end, when <paramref name="ownerCondition"/> (on $7) holds.</summary>
    private async Task<AbandonedEnd?> EndAbandonedAsync(
        Guid userId, Guid conversationId, Guid messageId, string content, long lastEventId, MessageStatus status, string errorCode,
        string errorDetail, string ownerCondition, object ownerParameter, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var update = new NpgsqlBatchCommand($"""
            UPDATE chat.messages SET status = $8, content = $3, error_code = $9,
                error_detail = $4, last_event_id = $5, finished_at = $6, heartbeat_at = NULL
            WHERE user_id = $1 AND id = $2 AND status = 'streaming' AND {ownerCondition}
            RETURNING {MessageColumns}, reservation_id
            """)
        {
            Parameters =
            {
                new() { Value = userId },
                new() { Value = messageId },
                new() { Value = content },
                new() { Value = errorDetail },
                new() { Value = lastEventId },
                new() { Value = now },
                new() { Value = ownerParameter },
                new() { Value = ToSql(status) },
                new() { Value = errorCode },
            },
        };
        var systemPrompt = new NpgsqlBatchCommand("SELECT system_prompt FROM chat.conversations WHERE user_id = $1 AND id = $2")
        {
            Parameters = { new() { Value = userId }, new() { Value = conversationId } },
        };
        // The whole path: the estimate of what a cut-short answer was sent does not know its model's window.
        var context = ReadContext(userId, conversationId, messageId, "(SELECT parent_id FROM chat.messages WHERE user_id = $1 AND id = $3)", int.MaxValue);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        Message? message = null;
        string? reservationId = null;
        var inputTokens = 0L;
        await using (var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { update, systemPrompt, context } })
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                message = ReadMessage(reader);
                var column = reader.GetOrdinal("reservation_id");
                reservationId = reader.IsDBNull(column) ? null : reader.GetString(column);
            }
            await reader.NextResultAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0))
            {
                inputTokens += ContextBuilder.EstimateTokens(reader.GetString(0));
            }
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                inputTokens += ContextBuilder.EstimateTokens(reader.GetString(1));
            }
        }
        if (message is null)
        {
            return null;
        }
        var usage = TurnUsage.Estimate(inputTokens, content, message.Model ?? "unknown", 0);
        var durationMs = (long)(now - message.CreatedAt).TotalMilliseconds;
        // The hold goes with the usage to billing, which settles it; an answer with nothing to settle leaves it to the caller.
        await eventLog.AppendAsync(connection, transaction, EndEvents(userId, message, status, usage, durationMs, now, reservationId), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new AbandonedEnd(message, usage is null ? reservationId : null);
    }

    /// <summary>An answer's end for the event log: <c>message.completed</c>, then its <c>usage.recorded</c> when it has usage.</summary>
    private static List<EventToAppend> EndEvents(
        Guid userId, Message answer, MessageStatus status, TurnUsage? usage, long durationMs, DateTimeOffset now, string? reservationId = null)
    {
        var events = new List<EventToAppend>
        {
            EventToAppend.Create(MessageCompletedEvent, answer.ConversationId.ToString(), new
            {
                userId,
                conversationId = answer.ConversationId,
                messageId = answer.Id,
                parentId = answer.ParentId,
                role = "assistant",
                status = ToSql(status),
            }),
        };
        if (usage is not null)
        {
            events.Add(EventToAppend.Create(UsageRecordedEvent, userId.ToString(), new
            {
                userId,
                source = "chat",
                conversationId = answer.ConversationId,
                messageId = answer.Id,
                status = ToSql(status),
                model = usage.Model,
                deployment = usage.Deployment,
                provider = usage.Provider,
                inputTokens = usage.InputTokens,
                cachedInputTokens = usage.CachedInputTokens,
                outputTokens = usage.OutputTokens,
                estimated = usage.Estimated,
                costUsd = usage.CostUsd,
                timeToFirstTokenMs = usage.TimeToFirstTokenMs,
                durationMs,
                occurredAt = now,
                reservationId,
            }));
        }
        return events;
    }

    public const string InterruptedDetail = "The service generating the answer stopped before it was complete.";

    // numeric(18, 8) reads back with its scale (0.00042000); without the trailing zeros it is the value the router sent.
    internal static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;

    internal static IReadOnlyList<Citation> ReadCitations(string json) => JsonSerializer.Deserialize<List<Citation>>(json, JsonDefaults.Options) ?? [];

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
        if (!reader.IsDBNull(c + 12))
        {
            message = message with { Citations = ReadCitations(reader.GetString(c + 12)) };
        }
        return new MessageState(
            message,
            reader.IsDBNull(c) ? null : reader.GetString(c),
            usage,
            reader.IsDBNull(c + 9) ? null : reader.GetString(c + 9),
            reader.IsDBNull(c + 10) ? null : reader.GetString(c + 10),
            reader.IsDBNull(c + 11) ? null : reader.GetInt64(c + 11));
    }
}

/// <summary>
/// A turn's quota check, made once the turn is written and before it is committed (<see cref="TurnStore.StartTurnAsync"/>):
/// <see cref="AdmitAsync"/> answers the quota that refuses it, or null when the hold <see cref="ReservationId"/> (stored with
/// the answer) is taken.
/// </summary>
public sealed record TurnAdmission(string ReservationId, Func<TurnStart.Started, Task<ChatPlatform.Quotas.QuotaRefusal?>> AdmitAsync);

/// <summary>An answer a sweeper ended, and the quota hold it must free itself (no usage event carries it to billing).</summary>
public sealed record AbandonedEnd(Message Message, string? UnsettledReservationId);

public abstract record TurnStart
{
    /// <param name="ContextPath">Root → the user message being answered, as the model is sent it.</param>
    public sealed record Started(Conversation Conversation, Message? UserMessage, Message Answer, IReadOnlyList<ContextMessage> ContextPath) : TurnStart;

    /// <summary>The conversation's model is not one the router offers; nothing was written.</summary>
    public sealed record UnknownModel(string Model) : TurnStart;

    /// <summary>The turn's worst case would pass a quota; nothing was written, nothing is held.</summary>
    public sealed record OverQuota(ChatPlatform.Quotas.QuotaRefusal Refusal) : TurnStart;

    public sealed record ConversationNotFound : TurnStart;

    public sealed record ParentNotFound : TurnStart;

    public sealed record MessageNotFound : TurnStart;

    /// <summary>The answer to continue did not stop at its length limit; nothing was written.</summary>
    public sealed record NotContinuable : TurnStart;
}

/// <summary>A message with how its turn ended (all null while it streams).</summary>
public sealed record MessageState(Message Message, string? FinishReason, TurnUsage? Usage, string? ErrorCode, string? ErrorDetail, long? LastEventId);

/// <param name="LastEventId">The number of the last event the owner had sent when its text was last saved.</param>
public sealed record StaleAnswer(Guid UserId, Guid ConversationId, Guid MessageId, string Content, long LastEventId);
