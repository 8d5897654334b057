using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.EventLog;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// Deletes a deleted account's conversations, off the request path: an event-log consumer of the gateway's
/// <see cref="AccountDeletedEvent"/>. At least once and idempotent (deleting what is gone deletes nothing); a crash
/// before the commit leaves everything for the next attempt, after it nothing. The Redis streams of its answers expire
/// on their own (an hour); ingestion deletes the files from the same event.
/// </summary>
public sealed partial class AccountDeletions(ConversationStore conversations, ILogger<AccountDeletions> logger) : IEventHandler
{
    public const string ConsumerName = "chat-account-deletions";
    public const string AccountDeletedEvent = "account.deleted";

    public async Task HandleAsync(EventRecord e, CancellationToken cancellationToken)
    {
        if (e.Type != AccountDeletedEvent || e.PayloadAs<AccountDeleted>() is not { } account)
        {
            return;
        }
        var count = await conversations.DeleteAllOfUserAsync(account.UserId, cancellationToken);
        LogDeleted(logger, count, account.UserId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} conversations of deleted account {UserId}")]
    private static partial void LogDeleted(ILogger logger, int count, Guid userId);
}
