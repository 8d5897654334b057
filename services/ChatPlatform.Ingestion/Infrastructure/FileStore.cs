using ChatPlatform.EventLog;
using ChatPlatform.Ingestion.Files;
using ChatPlatform.Ingestion.Model;
using ChatPlatform.Ingestion.Processing;
using ChatPlatform.Postgres;
using Npgsql;
using NpgsqlTypes;

namespace ChatPlatform.Ingestion.Infrastructure;

/// <summary>
/// Files in <c>ingestion.files</c>. Every statement is scoped by the user id, so another user's ids read as missing.
/// Writes that count against a quota or decide whether a blob is still referenced take the user's advisory lock
/// first, which serialises them per user; each change and its event commit together.
/// </summary>
public sealed class FileStore(NpgsqlDataSource dataSource, IEventLog eventLog, TimeProvider timeProvider)
{

    // $1.. as AddRowParameters adds them.
    private const string InsertSql = """
        INSERT INTO ingestion.files (id, user_id, name, media_type, kind, size_bytes, sha256, blob_name, status, created_at, updated_at, origin)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)
        """;

    private const string Columns = "id, name, media_type, kind, size_bytes, sha256, status, progress, pages, chunks, error, created_at, updated_at, blob_name, origin";

    public async Task<StoredFile?> FindAsync(Guid userId, Guid fileId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM ingestion.files WHERE user_id = $1 AND id = $2");
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = fileId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Newest first (UUIDv7 ids sort by creation), those older than <paramref name="before"/> when given.</summary>
    public async Task<(IReadOnlyList<StoredFile> Files, Guid? NextBefore)> ListAsync(Guid userId, Guid? before, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM ingestion.files
            WHERE user_id = $1 AND ($2::uuid IS NULL OR id < $2)
            ORDER BY id DESC
            LIMIT $3
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = (object?)before ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = limit + 1 });
        var files = new List<StoredFile>(limit + 1);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                files.Add(Read(reader));
            }
        }
        if (files.Count <= limit)
        {
            return (files, null);
        }
        files.RemoveAt(limit);
        return (files, files[^1].Id);
    }

    /// <summary>What the user keeps: bytes and files, uploads not completed yet counted at their announced size.</summary>
    public async Task<(long Bytes, int Files)> UsageAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await UsageAsync(connection, null, userId, cancellationToken);
    }

    /// <summary>
    /// Adds a checked file (status <c>pending</c>) and <see cref="FileEvents.Uploaded"/> when it fits the quota. Then, still in
    /// the transaction and under the user's lock, <paramref name="ensureBlob"/> puts its bytes at their content address:
    /// if that fails nothing is committed, and a concurrent delete cannot remove the blob the new row needs.
    /// </summary>
    public async Task<UploadProblem?> AddUploadedAsync(
        Guid userId, StoredFile file, TierQuota quota, Func<CancellationToken, Task> ensureBlob, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await LockAndCheckQuotaAsync(connection, transaction, userId, file.SizeBytes, addsFile: true, quota, cancellationToken) is { } problem)
        {
            return problem;
        }
        await using (var insert = new NpgsqlCommand(InsertSql, connection, transaction))
        {
            AddRowParameters(insert, userId, file);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await eventLog.AppendAsync(connection, transaction, UploadedEventFor(userId, file.Id), cancellationToken);
        await ensureBlob(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    /// <summary>Adds a file whose bytes come later by direct upload (status <c>uploading</c>), counted at its announced size.</summary>
    public async Task<UploadProblem?> AddUploadingAsync(Guid userId, StoredFile file, TierQuota quota, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await LockAndCheckQuotaAsync(connection, transaction, userId, file.SizeBytes, addsFile: true, quota, cancellationToken) is { } problem)
        {
            return problem;
        }
        await using (var insert = new NpgsqlCommand(InsertSql, connection, transaction))
        {
            AddRowParameters(insert, userId, file);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    /// <summary>
    /// Turns an <c>uploading</c> file into a checked one (as <see cref="AddUploadedAsync"/>). <see cref="CompleteResult.AlreadyCompleted"/> when another call
    /// completed it first (the caller then answers with the file as it is).
    /// </summary>
    public async Task<CompleteResult> CompleteUploadAsync(
        Guid userId, Guid fileId, FileType type, long sizeBytes, string sha256, TierQuota quota,
        Func<CancellationToken, Task> ensureBlob, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockUserAsync(connection, transaction, userId, cancellationToken);
        long announced;
        await using (var find = new NpgsqlCommand(
            "SELECT size_bytes FROM ingestion.files WHERE user_id = $1 AND id = $2 AND status = 'uploading'", connection, transaction))
        {
            find.Parameters.Add(new() { Value = userId });
            find.Parameters.Add(new() { Value = fileId });
            if (await find.ExecuteScalarAsync(cancellationToken) is not long size)
            {
                return new CompleteResult.AlreadyCompleted();
            }
            announced = size;
        }
        if (await CheckQuotaAsync(connection, transaction, userId, sizeBytes - announced, addsFile: false, quota, cancellationToken) is { } problem)
        {
            return new CompleteResult.Refused(problem);
        }
        StoredFile file;
        await using (var update = new NpgsqlCommand($"""
            UPDATE ingestion.files
            SET media_type = $3, kind = $4, size_bytes = $5, sha256 = $6, blob_name = $7, status = 'pending', updated_at = $8
            WHERE user_id = $1 AND id = $2
            RETURNING {Columns}
            """, connection, transaction))
        {
            update.Parameters.Add(new() { Value = userId });
            update.Parameters.Add(new() { Value = fileId });
            update.Parameters.Add(new() { Value = type.MediaType });
            update.Parameters.Add(new() { Value = FileKinds.Name(type.Kind) });
            update.Parameters.Add(new() { Value = sizeBytes });
            update.Parameters.Add(new() { Value = sha256 });
            update.Parameters.Add(new() { Value = FileBlobs.ContentBlobName(userId, sha256) });
            update.Parameters.Add(new() { Value = timeProvider.GetUtcNow() });
            await using var reader = await update.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            file = Read(reader);
        }
        await eventLog.AppendAsync(connection, transaction, UploadedEventFor(userId, fileId), cancellationToken);
        await ensureBlob(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new CompleteResult.Completed(file);
    }

    /// <summary>Forgets a direct upload whose bytes were refused; nothing was announced about it.</summary>
    public async Task RemoveUploadingAsync(Guid userId, Guid fileId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM ingestion.files WHERE user_id = $1 AND id = $2 AND status = 'uploading'");
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = fileId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Forgets direct uploads still <c>uploading</c> that were announced before <paramref name="before"/>; their ids.</summary>
    public async Task<IReadOnlyList<Guid>> RemoveUploadingCreatedBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM ingestion.files WHERE status = 'uploading' AND created_at < $1 RETURNING id");
        command.Parameters.Add(new() { Value = before });
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }

    /// <summary>Deletes the file and appends <see cref="FileEvents.Deleted"/> in one transaction; the row as it was, or null when it is not the user's.</summary>
    public async Task<StoredFile?> DeleteAsync(Guid userId, Guid fileId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockUserAsync(connection, transaction, userId, cancellationToken);
        StoredFile? deleted;
        await using (var command = new NpgsqlCommand($"DELETE FROM ingestion.files WHERE user_id = $1 AND id = $2 RETURNING {Columns}", connection, transaction))
        {
            command.Parameters.Add(new() { Value = userId });
            command.Parameters.Add(new() { Value = fileId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            deleted = await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
        }
        if (deleted is null)
        {
            return null;
        }
        await eventLog.AppendAsync(connection, transaction, DeletedEventFor(userId, deleted), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    /// <summary>
    /// Deletes the user's files among <paramref name="fileIds"/> (every file of the user when null) whose origin is
    /// <paramref name="origin"/> (any when null), their chunks with them, and appends <see cref="FileEvents.Deleted"/> for
    /// each in the same transaction: the event is what later removes the blob, so a crash after the commit loses
    /// nothing. Ids that are gone, another user's or of another origin are left alone, so calling it again is harmless.
    /// </summary>
    public async Task<IReadOnlyList<StoredFile>> DeleteManyAsync(
        Guid userId, IReadOnlyCollection<Guid>? fileIds, string? origin, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockUserAsync(connection, transaction, userId, cancellationToken);
        var deleted = new List<StoredFile>();
        await using (var command = new NpgsqlCommand($"""
            DELETE FROM ingestion.files
            WHERE user_id = $1 AND ($2::uuid[] IS NULL OR id = ANY($2)) AND ($3::text IS NULL OR origin = $3)
            RETURNING {Columns}
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = userId });
            command.Parameters.Add(new() { Value = (object?)fileIds?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            command.Parameters.Add(new() { Value = (object?)origin ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                deleted.Add(Read(reader));
            }
        }
        await eventLog.AppendAsync(connection, transaction, [.. deleted.Select(file => DeletedEventFor(userId, file))], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    // The hash names the blob, so the event's consumer can delete it once the row is long gone.
    private static EventToAppend DeletedEventFor(Guid userId, StoredFile file) =>
        EventToAppend.Create(FileEvents.Deleted, userId.ToString(), new FileDeleted(file.Id, userId, file.Status == FileStatuses.Uploading ? null : file.Sha256));

    /// <summary>
    /// Runs <paramref name="deleteBlob"/> under the user's lock when no file of the user has the bytes
    /// <paramref name="sha256"/> any more; false when one still does.
    /// </summary>
    public async Task<bool> DeleteContentIfUnreferencedAsync(
        Guid userId, string sha256, Func<CancellationToken, Task> deleteBlob, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockUserAsync(connection, transaction, userId, cancellationToken);
        await using (var command = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM ingestion.files WHERE user_id = $1 AND sha256 = $2)", connection, transaction))
        {
            command.Parameters.Add(new() { Value = userId });
            command.Parameters.Add(new() { Value = sha256 });
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken))!)
            {
                return false;
            }
        }
        await deleteBlob(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static EventToAppend UploadedEventFor(Guid userId, Guid fileId) =>
        EventToAppend.Create(FileEvents.Uploaded, userId.ToString(), new FileUploaded(fileId, userId));

    private static async Task LockUserAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction);
        command.Parameters.Add(new() { Value = AdvisoryLockKeys.For($"ingestion.files:{userId}") });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<UploadProblem?> LockAndCheckQuotaAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, long addedBytes, bool addsFile, TierQuota quota,
        CancellationToken cancellationToken)
    {
        await LockUserAsync(connection, transaction, userId, cancellationToken);
        return await CheckQuotaAsync(connection, transaction, userId, addedBytes, addsFile, quota, cancellationToken);
    }

    private static async Task<UploadProblem?> CheckQuotaAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, long addedBytes, bool addsFile, TierQuota quota,
        CancellationToken cancellationToken)
    {
        var (bytes, files) = await UsageAsync(connection, transaction, userId, cancellationToken);
        if (addsFile && files + 1 > quota.MaxFiles)
        {
            return UploadProblem.OverFileQuota(quota.MaxFiles);
        }
        return bytes + addedBytes > quota.MaxBytes ? UploadProblem.OverByteQuota(quota.MaxBytes) : null;
    }

    private static async Task<(long Bytes, int Files)> UsageAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid userId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT COALESCE(sum(size_bytes), 0)::bigint, count(*)::int FROM ingestion.files WHERE user_id = $1", connection, transaction);
        command.Parameters.Add(new() { Value = userId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt32(1));
    }

    private static void AddRowParameters(NpgsqlCommand command, Guid userId, StoredFile file)
    {
        command.Parameters.Add(new() { Value = file.Id });
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = file.Name });
        command.Parameters.Add(new() { Value = (object?)file.MediaType ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)file.Kind ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = file.SizeBytes });
        command.Parameters.Add(new() { Value = (object?)file.Sha256 ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = file.BlobName });
        command.Parameters.Add(new() { Value = file.Status });
        command.Parameters.Add(new() { Value = file.CreatedAt });
        command.Parameters.Add(new() { Value = file.Origin });
    }

    private static StoredFile Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.GetInt64(4),
        reader.IsDBNull(5) ? null : reader.GetString(5),
        reader.GetString(6),
        reader.GetInt16(7),
        reader.IsDBNull(8) ? null : reader.GetInt32(8),
        reader.IsDBNull(9) ? null : reader.GetInt32(9),
        reader.IsDBNull(10) ? null : reader.GetString(10),
        reader.GetFieldValue<DateTimeOffset>(11),
        reader.GetFieldValue<DateTimeOffset>(12))
    {
        BlobName = reader.GetString(13),
        Origin = reader.GetString(14),
    };
}

/// <summary>What completing a direct upload did.</summary>
public abstract record CompleteResult
{
    public sealed record Completed(StoredFile File) : CompleteResult;

    public sealed record AlreadyCompleted : CompleteResult;

    public sealed record Refused(UploadProblem Problem) : CompleteResult;
}
