using ChatPlatform.Chat.Model;
using Npgsql;

namespace ChatPlatform.Chat.Infrastructure;

/// <summary>Reads a conversation's whole tree for export, in one snapshot; scoped by the user like every read.</summary>
public sealed class ConversationExportStore(NpgsqlDataSource dataSource, TimeProvider timeProvider)
{
    /// <summary>The conversation with every branch; null when it is not the user's.</summary>
    public async Task<ConversationExport?> ReadTreeAsync(Guid userId, Guid conversationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        if (await ConversationStore.FindAsync(connection, transaction, userId, conversationId, forUpdate: false, cancellationToken) is not { } c)
        {
            return null;
        }
        ExportedFolder? folder = null;
        if (c.FolderId is { } folderId)
        {
            await using var command = new NpgsqlCommand("SELECT name FROM chat.folders WHERE user_id = $1 AND id = $2", connection, transaction);
            command.Parameters.Add(new() { Value = userId });
            command.Parameters.Add(new() { Value = folderId });
            folder = await command.ExecuteScalarAsync(cancellationToken) is string name ? new ExportedFolder(folderId, name) : null;
        }
        var messages = new List<(Message Message, string? Citations)>();
        await using (var command = new NpgsqlCommand($"""
            SELECT {ConversationStore.MessageColumns}, citations::text FROM chat.messages
            WHERE user_id = $1 AND conversation_id = $2
            ORDER BY sibling_index, created_at, id
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = userId });
            command.Parameters.Add(new() { Value = conversationId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                messages.Add((ConversationStore.ReadMessage(reader), reader.IsDBNull(9) ? null : reader.GetString(9)));
            }
        }
        var attachments = await AttachmentStore.ReadAsync(
            connection, transaction, userId, [.. messages.Where(m => m.Message.Role == MessageRole.User).Select(m => m.Message.Id)], cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var ordered = ParentsFirst(messages.Select(m => m.Message).ToList());
        var citations = messages.ToDictionary(m => m.Message.Id, m => m.Citations);
        return new ConversationExport(
            ConversationExport.FormatName, ConversationExport.CurrentVersion, timeProvider.GetUtcNow(), c.Id, c.Title, c.Model, c.SystemPrompt,
            c.CurrentLeafId, c.CreatedAt, c.UpdatedAt, folder, c.Tags, c.Starred, c.Archived, c.ArchivedAt,
            [.. ordered.Select(m => new ExportedMessage(
                m.Id, m.ParentId, ConversationStore.ToSql(m.Role), m.Content, ConversationStore.ToSql(m.Status), m.Model, m.CreatedAt,
                attachments.TryGetValue(m.Id, out var files) ? files : [],
                citations[m.Id] is { } json ? TurnStore.ReadCitations(json) : []))]);
    }

    /// <summary>Depth first from the roots, siblings in their order: a reader can rebuild the tree in one pass.</summary>
    private static List<Message> ParentsFirst(List<Message> messages)
    {
        var children = messages.ToLookup(m => m.ParentId);
        var ordered = new List<Message>(messages.Count);
        var pending = new Stack<Message>(children[null].Reverse());
        while (pending.TryPop(out var message))
        {
            ordered.Add(message);
            foreach (var child in children[message.Id].Reverse())
            {
                pending.Push(child);
            }
        }
        return ordered;
    }
}
