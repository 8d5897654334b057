using ChatPlatform.EventLog;
using ChatPlatform.Ingestion.Infrastructure;
using ChatPlatform.Ingestion.Model;
using ChatPlatform.Ingestion.Processing;

namespace ChatPlatform.Ingestion.Deleting;

/// <summary>
/// Deletes files off the request path, driven by the event log: the chat files of a deleted conversation, every file of
/// a deleted account, and the blob of every deleted file once no other file of the user has its bytes. Each step is one
/// transaction whose <see cref="FileEvents.Deleted"/> events lead to the next, so a crash anywhere resumes where it
/// stopped (at least once), and every step is harmless to repeat: rows already gone are skipped, blobs deleted if they exist.
/// </summary>
public sealed partial class FileDeletions(FileStore store, FileBlobs blobs, ILogger<FileDeletions> logger) : IEventHandler
{
    public const string ConsumerName = "ingestion-deletions";

    public async Task HandleAsync(EventRecord e, CancellationToken cancellationToken)
    {
        switch (e.Type)
        {
            case DeletionEvents.ConversationDeleted when e.PayloadAs<ConversationDeleted>() is { FileIds.Count: > 0 } conversation:
                // Library files survive their conversations; only what the composer uploaded goes with them.
                var files = await store.DeleteManyAsync(conversation.UserId, conversation.FileIds, FileOrigins.Chat, cancellationToken);
                LogConversationFilesDeleted(logger, files.Count, conversation.ConversationId);
                break;
            case DeletionEvents.AccountDeleted when e.PayloadAs<AccountDeleted>() is { } account:
                var all = await store.DeleteManyAsync(account.UserId, fileIds: null, origin: null, cancellationToken);
                LogAccountFilesDeleted(logger, all.Count, account.UserId);
                break;
            case FileEvents.Deleted when e.PayloadAs<FileDeleted>() is { } file:
                await DeleteBlobAsync(file, cancellationToken);
                break;
        }
    }

    private async Task DeleteBlobAsync(FileDeleted file, CancellationToken cancellationToken)
    {
        if (file.Sha256 is not { } sha256)
        {
            await blobs.DeleteStagedAsync(file.FileId);
            return;
        }
        // Under the user's lock, as uploads check for the blob: a new file with the same bytes keeps it.
        await store.DeleteContentIfUnreferencedAsync(
            file.UserId, sha256, token => blobs.DeleteContentAsync(file.UserId, sha256, token), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} chat files of deleted conversation {ConversationId}")]
    private static partial void LogConversationFilesDeleted(ILogger logger, int count, Guid conversationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} files of deleted account {UserId}")]
    private static partial void LogAccountFilesDeleted(ILogger logger, int count, Guid userId);
}
