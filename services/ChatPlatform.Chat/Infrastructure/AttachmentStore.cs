using ChatPlatform.Chat.Model;
using Npgsql;
using NpgsqlTypes;
using static ChatPlatform.Chat.Infrastructure.ConversationStore;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>
/// The files of <c>chat.message_files</c>: read before a turn writes anything (which files its path attached, so that
/// ingestion is asked about them first), and for the messages the API answers.
/// </summary>
public sealed class AttachmentStore(NpgsqlDataSource dataSource)
{
    private const string ConversationSql = "SELECT model, system_prompt, max_output_tokens FROM chat.conversations WHERE user_id = $1 AND id = $2 AND deleted_at IS NULL";

    private const string CurrentLeaf = "(SELECT current_leaf_id FROM chat.conversations WHERE user_id = $1 AND id = $2)";

    // A conversation that never had a file is not walked: most turns cost one key lookup here.
    private const string HasFiles = "(SELECT has_files FROM chat.conversations WHERE user_id = $1 AND id = $2)";

    /// <summary>The files attached on the path root → <paramref name="start"/> (SQL over $1 the user, $2 the conversation, $3), oldest first.</summary>
    private static string PathFilesSql(string start) => $"""
        WITH RECURSIVE up AS (
            SELECT id, parent_id, 0 AS depth FROM chat.messages WHERE user_id = $1 AND conversation_id = $2 AND id = {start} AND {HasFiles}
            UNION ALL
            SELECT p.id, p.parent_id, up.depth + 1 FROM {ParentsOf("up")}
        )
        SELECT f.message_id, f.file_id, f.name, f.media_type, f.kind
        FROM up JOIN chat.message_files f ON f.user_id = $1 AND f.message_id = up.id
        ORDER BY up.depth DESC, f.ordinal
        """;

    /// <summary>
    /// The files of the message an edit replaces: of the children of $3 (the roots when null), the one on the current path,
    /// else the newest.
    /// </summary>
    private static readonly string EditedFilesSql = $"""
        WITH RECURSIVE cur AS (
            SELECT id, parent_id FROM chat.messages WHERE user_id = $1 AND conversation_id = $2 AND id = {CurrentLeaf} AND {HasFiles}
            UNION ALL
            SELECT p.id, p.parent_id FROM {ParentsOf("cur")}
        ), edited AS (
            (SELECT id FROM cur WHERE parent_id IS NOT DISTINCT FROM $3::uuid LIMIT 1)
            UNION ALL
            (SELECT id FROM chat.messages
             WHERE user_id = $1 AND conversation_id = $2 AND role = 'user' AND parent_id IS NOT DISTINCT FROM $3::uuid AND {HasFiles}
             ORDER BY sibling_index DESC LIMIT 1)
        )
        SELECT f.message_id, f.file_id, f.name, f.media_type, f.kind FROM chat.message_files f
        WHERE f.user_id = $1 AND f.message_id = (SELECT id FROM edited LIMIT 1)
        ORDER BY f.ordinal
        """;

    private const string QuestionSql = """
        SELECT q.content FROM chat.messages a JOIN chat.messages q ON q.user_id = $1 AND q.id = a.parent_id
        WHERE a.user_id = $1 AND a.conversation_id = $2 AND a.id = $3 AND a.role = 'assistant'
        """;

    /// <summary>
    /// What a new user message under <paramref name="parentId"/> (the current leaf unless <paramref name="parentIdGiven"/>)
    /// would have on its path, and, when <paramref name="keepEdited"/>, the files of the message it edits. Null when the
    /// conversation is not the user's.
    /// </summary>
    /// <param name="contextBudget">
    /// When given, also the history the question would be sent (<see cref="TurnStore.ContextSql"/>, as far as that many
    /// tokens reach), in the same round trip: what the quota check counts before the turn is written.
    /// </param>
    public async Task<PathFiles?> ReadForTurnAsync(
        Guid userId, Guid conversationId, Guid? parentId, bool parentIdGiven, bool keepEdited, CancellationToken cancellationToken,
        int? contextBudget = null)
    {
        var start = parentIdGiven ? "$3::uuid" : CurrentLeaf;
        await using var batch = new NpgsqlBatch
        {
            BatchCommands =
            {
                Command(ConversationSql, userId, conversationId, null),
                Command(PathFilesSql(start), userId, conversationId, parentId),
            },
        };
        if (keepEdited)
        {
            batch.BatchCommands.Add(Command(EditedFilesSql, userId, conversationId, parentId));
        }
        if (contextBudget is { } budget)
        {
            var context = Command(TurnStore.ContextSql(start), userId, conversationId, parentId);
            // $3 is typed even where the start does not use it (the current leaf): $4 follows it.
            if (context.Parameters.Count == 2)
            {
                context.Parameters.Add(new() { Value = (object?)parentId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            }
            context.Parameters.Add(new() { Value = budget });
            batch.BatchCommands.Add(context);
        }
        return await ReadAsync(batch, question: false, edited: keepEdited, cancellationToken, history: contextBudget is not null);
    }

    /// <summary>What the answer <paramref name="answerId"/> was asked: its question and the files on the path to it.</summary>
    public async Task<PathFiles?> ReadForRegenerateAsync(Guid userId, Guid conversationId, Guid answerId, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch
        {
            BatchCommands =
            {
                Command(ConversationSql, userId, conversationId, null),
                Command(QuestionSql, userId, conversationId, answerId),
                Command(PathFilesSql("(SELECT parent_id FROM chat.messages WHERE user_id = $1 AND conversation_id = $2 AND id = $3 AND role = 'assistant')"),
                    userId, conversationId, answerId),
            },
        };
        return await ReadAsync(batch, question: true, edited: false, cancellationToken);
    }

    /// <summary>The attachments of <paramref name="messageIds"/>, by message, in order.</summary>
    public static async Task<Dictionary<Guid, List<Attachment>>> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid userId, IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<Guid, List<Attachment>>();
        if (messageIds.Count == 0)
        {
            return found;
        }
        await using var command = new NpgsqlCommand("""
            SELECT message_id, file_id, name, media_type, kind FROM chat.message_files
            WHERE user_id = $1 AND message_id = ANY($2) ORDER BY message_id, ordinal
            """, connection, transaction);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = messageIds.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (messageId, attachment) = ReadAttachment(reader);
            if (!found.TryGetValue(messageId, out var list))
            {
                found[messageId] = list = [];
            }
            list.Add(attachment);
        }
        return found;
    }

    private async Task<PathFiles?> ReadAsync(NpgsqlBatch batch, bool question, bool edited, CancellationToken cancellationToken, bool history = false)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        batch.Connection = connection;
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var model = reader.GetString(0);
        var systemPrompt = reader.IsDBNull(1) ? null : reader.GetString(1);
        int? maxOutputTokens = reader.IsDBNull(2) ? null : reader.GetInt32(2);
        string? questionText = null;
        if (question)
        {
            await reader.NextResultAsync(cancellationToken);
            questionText = await reader.ReadAsync(cancellationToken) ? reader.GetString(0) : null;
        }
        await reader.NextResultAsync(cancellationToken);
        var path = new List<(Guid MessageId, Attachment File)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            path.Add(ReadAttachment(reader));
        }
        var editedFiles = new List<Attachment>();
        if (edited)
        {
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                editedFiles.Add(ReadAttachment(reader).File);
            }
        }
        List<ContextMessage>? context = null;
        if (history)
        {
            await reader.NextResultAsync(cancellationToken);
            context = [];
            while (await reader.ReadAsync(cancellationToken))
            {
                context.Add(new ContextMessage(Enum.Parse<MessageRole>(reader.GetString(0), ignoreCase: true), reader.GetString(1), reader.GetGuid(2)));
            }
        }
        return new PathFiles(model, path, editedFiles, questionText) { SystemPrompt = systemPrompt, MaxOutputTokens = maxOutputTokens, Context = context };
    }

    private static (Guid MessageId, Attachment File) ReadAttachment(NpgsqlDataReader reader) =>
        (reader.GetGuid(0), new Attachment(reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));

    private static NpgsqlBatchCommand Command(string sql, Guid userId, Guid conversationId, Guid? third)
    {
        var command = new NpgsqlBatchCommand(sql) { Parameters = { new() { Value = userId }, new() { Value = conversationId } } };
        if (sql.Contains("$3", StringComparison.Ordinal))
        {
            command.Parameters.Add(new() { Value = (object?)third ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        }
        return command;
    }
}

/// <param name="Model">The conversation's model.</param>
/// <param name="Path">Each file attached on the path, with the message that attached it, oldest first.</param>
/// <param name="Edited">The files of the message an edit replaces.</param>
/// <param name="Question">On a regenerate, the question asked (null when the answer is not found).</param>
public sealed record PathFiles(string Model, IReadOnlyList<(Guid MessageId, Attachment File)> Path, IReadOnlyList<Attachment> Edited, string? Question)
{
    public string? SystemPrompt { get; init; }

    /// <summary>The conversation's longest answer, when it sets one: what bounds a new question's worst case.</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary>The history a new question would be sent (root → its parent), when it was asked for.</summary>
    public IReadOnlyList<ContextMessage>? Context { get; init; }
}
