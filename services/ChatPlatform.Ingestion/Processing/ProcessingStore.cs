using ChatPlatform.EventLog;
using ChatPlatform.Ingestion.Retrieval;
using Npgsql;

namespace ChatPlatform.Ingestion.Processing;

/// <summary>A file as processing needs it.</summary>
public sealed record FileToProcess(Guid Id, Guid UserId, string Name, string MediaType, string Kind, string BlobName, int Attempts);

/// <summary>
/// The status changes of processing, each the only writer of its own columns: a file is claimed (status processing,
/// one more attempt), reports progress, and ends ready or failed with its event in the same transaction. Every change
/// is conditional on the file still being processed, so a file deleted or finished meanwhile is left alone.
/// </summary>
public sealed class ProcessingStore(NpgsqlDataSource db, IEventLog events, TimeProvider time)
{
    /// <summary>Claims a pending or interrupted file for one more attempt; null when it is gone or already finished.</summary>
    public async Task<FileToProcess?> ClaimAsync(Guid fileId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            UPDATE ingestion.files
            SET status = 'processing', progress = 0, attempts = attempts + 1, error = NULL, updated_at = $2
            WHERE id = $1 AND status IN ('pending', 'processing')
            RETURNING id, user_id, name, media_type, kind, blob_name, attempts
            """);
        command.Parameters.Add(new() { Value = fileId });
        command.Parameters.Add(new() { Value = time.GetUtcNow() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new FileToProcess(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetInt16(6))
            : null;
    }

    public async Task ReportProgressAsync(Guid fileId, int progress, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            "UPDATE ingestion.files SET progress = $2, updated_at = $3 WHERE id = $1 AND status = 'processing' AND progress < $2");
        command.Parameters.Add(new() { Value = fileId });
        command.Parameters.Add(new() { Value = (short)Math.Clamp(progress, 0, 99) });
        command.Parameters.Add(new() { Value = time.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Stores what processing produced and marks the file ready, with <see cref="FileEvents.Ready"/>, in one transaction;
    /// <paramref name="writeChunks"/> runs in it. The router embeddings it paid for are committed with it, a
    /// <c>usage.recorded</c> (source <c>embedding</c>) per deployment. False (and nothing written) when the file was
    /// deleted meanwhile.
    /// </summary>
    public async Task<bool> CompleteAsync(
        FileToProcess file, int pages, int chunks, Func<NpgsqlTransaction, Task> writeChunks,
        IReadOnlyList<RouterEmbeddingUsage> embeddingUsage, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await LockWhileProcessingAsync(connection, transaction, file.Id, cancellationToken))
        {
            return false;
        }
        await writeChunks(transaction);
        await using (var command = new NpgsqlCommand("""
            UPDATE ingestion.files SET status = 'ready', progress = 100, pages = $2, chunks = $3, error = NULL, updated_at = $4
            WHERE id = $1
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = file.Id });
            command.Parameters.Add(new() { Value = pages });
            command.Parameters.Add(new() { Value = chunks });
            command.Parameters.Add(new() { Value = time.GetUtcNow() });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await events.AppendAsync(connection, transaction,
            EventToAppend.Create(FileEvents.Ready, file.UserId.ToString(), new FileReady(file.Id, file.UserId, pages, chunks)), cancellationToken);
        if (embeddingUsage.Count > 0)
        {
            var now = time.GetUtcNow();
            await events.AppendAsync(connection, transaction, [.. embeddingUsage.Select(u => UsageRecorded(file, u, now))], cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Ends processing with <paramref name="status"/> (failed or quarantined) and a reason a person understands.</summary>
    public async Task FailAsync(FileToProcess file, string status, string error, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await LockWhileProcessingAsync(connection, transaction, file.Id, cancellationToken))
        {
            return;
        }
        await using (var command = new NpgsqlCommand(
            "UPDATE ingestion.files SET status = $2, error = $3, progress = 0, updated_at = $4 WHERE id = $1", connection, transaction))
        {
            command.Parameters.Add(new() { Value = file.Id });
            command.Parameters.Add(new() { Value = status });
            command.Parameters.Add(new() { Value = error });
            command.Parameters.Add(new() { Value = time.GetUtcNow() });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await events.AppendAsync(connection, transaction,
            EventToAppend.Create(FileEvents.Failed, file.UserId.ToString(), new FileFailed(file.Id, file.UserId, error)), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    // The row lock orders this transaction after a concurrent delete, which then wins: a deleted file gets no chunks.
    private static async Task<bool> LockWhileProcessingAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid fileId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT 1 FROM ingestion.files WHERE id = $1 AND status = 'processing' FOR UPDATE", connection, transaction);
        command.Parameters.Add(new() { Value = fileId });
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>The <c>usage.recorded</c> of a file's embeddings (docs/turns.md "Usage events"), keyed by its owner.</summary>
    private static EventToAppend UsageRecorded(FileToProcess file, RouterEmbeddingUsage usage, DateTimeOffset now) =>
        EventToAppend.Create(UsageRecordedEvent, file.UserId.ToString(), new
        {
            userId = file.UserId,
            source = "embedding",
            fileId = file.Id,
            status = "complete",
            model = usage.Model,
            deployment = usage.Deployment,
            provider = usage.Provider,
            inputTokens = usage.InputTokens,
            cachedInputTokens = 0L,
            outputTokens = 0L,
            estimated = usage.Estimated,
            costUsd = usage.CostUsd,
            timeToFirstTokenMs = 0L,
            durationMs = usage.DurationMs,
            occurredAt = now,
        });

    public const string UsageRecordedEvent = "usage.recorded";
}
