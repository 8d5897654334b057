using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.EventLog;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// Keeps the search index (<c>chat.search_entries</c>) off the hot path: an event-log consumer of the messages written,
/// the answers finished, the conversations changed or deleted and the accounts deleted. At least once and idempotent:
/// each write copies the current rows (<see cref="SearchIndexStore"/>), so a repeat writes the same thing. A row written
/// without its vector wakes the <see cref="SearchEmbedder"/>, which embeds in batches rather than one event at a time.
/// </summary>
public sealed partial class SearchIndexer(SearchIndexStore index, SearchEmbedder embedder, ILogger<SearchIndexer> logger) : IEventHandler
{
    public const string ConsumerName = "chat-search";

    public async Task HandleAsync(EventRecord e, CancellationToken cancellationToken)
    {
        switch (e.Type)
        {
            case ConversationStore.MessageCreatedEvent or TurnStore.MessageCompletedEvent
                when e.PayloadAs<MessagePayload>() is { UserId: var userId, ConversationId: var conversationId, MessageId: var messageId }:
                await index.IndexMessageAsync(userId, conversationId, messageId, cancellationToken);
                embedder.Wake();
                break;
            case ConversationStore.ConversationUpdatedEvent when e.PayloadAs<ConversationUpdated>() is { } updated:
                await index.RefreshConversationAsync(updated.UserId, updated.ConversationId, cancellationToken);
                embedder.Wake();
                break;
            case ConversationStore.ConversationDeletedEvent when e.PayloadAs<ConversationDeleted>() is { } deleted:
                await index.DeleteConversationAsync(deleted.UserId, deleted.ConversationId, cancellationToken);
                break;
            case AccountDeletions.AccountDeletedEvent when e.PayloadAs<AccountDeleted>() is { } account:
                LogAccountRemoved(logger, await index.DeleteUserAsync(account.UserId, cancellationToken), account.UserId);
                break;
        }
    }

    private sealed record MessagePayload(Guid UserId, Guid ConversationId, Guid MessageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} search entries of deleted account {UserId}")]
    private static partial void LogAccountRemoved(ILogger logger, int count, Guid userId);
}
