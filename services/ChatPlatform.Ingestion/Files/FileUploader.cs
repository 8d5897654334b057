using Azure;
using ChatPlatform.Ingestion.Infrastructure;
using ChatPlatform.Ingestion.Model;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Files;

/// <summary>
/// Takes bytes in, in both ways docs/files.md offers (a streamed request body, or a direct upload checked at
/// "complete"): staged under the file's id, checked while they pass (size, type, quota), then moved to their content
/// address and recorded with their event. A refused upload leaves neither a blob nor a row.
/// </summary>
public sealed partial class FileUploader(
    FileStore store, FileBlobs blobs, IOptions<FilesOptions> options, TimeProvider timeProvider, ILogger<FileUploader> logger)
{
    private FilesOptions Options => options.Value;

    public TierQuota QuotaFor(string? tier) => Options.QuotaFor(tier);

    /// <summary>
    /// Stores the bytes of <paramref name="content"/> as a new file of the user. <paramref name="checkRest"/> runs once
    /// the content has been read and may still refuse the request (a second part after the file).
    /// </summary>
    public async Task<UploadOutcome> UploadAsync(
        Guid userId, string? tier, string? rawName, string origin, Stream content, Func<CancellationToken, Task<UploadProblem?>> checkRest,
        CancellationToken cancellationToken)
    {
        var quota = QuotaFor(tier);
        var (usedBytes, usedFiles) = await store.UsageAsync(userId, cancellationToken);
        if (usedFiles >= quota.MaxFiles)
        {
            return UploadOutcome.Refuse(UploadProblem.OverFileQuota(quota.MaxFiles));
        }
        var fileId = Guid.CreateVersion7(timeProvider.GetUtcNow());
        try
        {
            using var inspector = new ContentInspector(Options, quota.MaxBytes - usedBytes, quota.MaxBytes);
            if ((await blobs.StageAsync(fileId, content, inspector, cancellationToken) ?? await checkRest(cancellationToken)) is { } problem)
            {
                return UploadOutcome.Refuse(problem);
            }
            // Only this request wrote the staged blob (no upload URL names its id): no version to pin.
            var checkedFile = await CheckAsync(fileId, inspector, null, cancellationToken);
            if (checkedFile.Problem is not null)
            {
                return UploadOutcome.Refuse(checkedFile.Problem);
            }
            var now = timeProvider.GetUtcNow();
            var file = new StoredFile(
                fileId, DisplayName.From(rawName), checkedFile.Type!.MediaType, FileKinds.Name(checkedFile.Type.Kind), inspector.Length,
                checkedFile.Sha256, FileStatuses.Pending, 0, null, null, null, now, now)
            {
                BlobName = FileBlobs.ContentBlobName(userId, checkedFile.Sha256),
                Origin = origin,
            };
            if (await store.AddUploadedAsync(userId, file, quota,
                token => blobs.EnsureContentAsync(userId, checkedFile.Sha256, fileId, null, token), cancellationToken) is { } refused)
            {
                return UploadOutcome.Refuse(refused);
            }
            LogUploaded(logger, fileId, file.MediaType!, file.SizeBytes);
            return UploadOutcome.Accept(file);
        }
        finally
        {
            await blobs.DeleteStagedAsync(fileId);
        }
    }

    /// <summary>Records a file whose bytes the client will <c>PUT</c> to the returned URL, then complete.</summary>
    public async Task<(DirectUpload? Url, UploadProblem? Problem)> CreateUploadUrlAsync(
        Guid userId, string? tier, string? rawName, long size, string origin, CancellationToken cancellationToken)
    {
        var quota = QuotaFor(tier);
        if (size > Options.MaxFileBytes)
        {
            return (null, UploadProblem.TooLarge(null, Options.MaxFileBytes));
        }
        var fileId = Guid.CreateVersion7(timeProvider.GetUtcNow());
        var now = timeProvider.GetUtcNow();
        var file = new StoredFile(fileId, DisplayName.From(rawName), null, null, size, null, FileStatuses.Uploading, 0, null, null, null, now, now)
        {
            BlobName = FileBlobs.StagingBlobName(fileId),
            Origin = origin,
        };
        if (await store.AddUploadingAsync(userId, file, quota, cancellationToken) is { } problem)
        {
            return (null, problem);
        }
        var (url, expiresAt) = await blobs.CreateUploadUrlAsync(fileId, Options.UploadUrlLifetime, cancellationToken);
        return (new DirectUpload(file, url, expiresAt), null);
    }

    /// <summary>
    /// Checks a direct upload and makes it a file; idempotent: a file already completed is returned as it is. A refused
    /// upload is forgotten (its row and staged blob go).
    /// </summary>
    public async Task<UploadOutcome?> CompleteAsync(Guid userId, string? tier, Guid fileId, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(userId, fileId, cancellationToken) is not { } existing)
        {
            return null;
        }
        if (existing.Status != FileStatuses.Uploading)
        {
            return UploadOutcome.Accept(existing);
        }
        if (await blobs.StagedLengthAsync(fileId, cancellationToken) is not { } length)
        {
            return UploadOutcome.Refuse(UploadProblem.NotUploaded);
        }
        var quota = QuotaFor(tier);
        var (usedBytes, _) = await store.UsageAsync(userId, cancellationToken);
        // The announced size is already counted in the usage.
        using var inspector = new ContentInspector(Options, quota.MaxBytes - usedBytes + existing.SizeBytes, quota.MaxBytes);
        var problem = inspector.CheckLength(length, null);
        ETag? version = null;
        if (problem is null)
        {
            if (await blobs.InspectStagedAsync(fileId, inspector, cancellationToken) is not { } inspected)
            {
                // Another complete of the same file moved the bytes meanwhile, or they were never there.
                return await store.FindAsync(userId, fileId, cancellationToken) is { Status: not FileStatuses.Uploading } done
                    ? UploadOutcome.Accept(done)
                    : UploadOutcome.Refuse(UploadProblem.NotUploaded);
            }
            (problem, version) = inspected;
        }
        (FileType? Type, string Sha256, UploadProblem? Problem) checkedFile;
        try
        {
            checkedFile = problem is null ? await CheckAsync(fileId, inspector, version, cancellationToken) : (null, "", problem);
        }
        catch (RequestFailedException e) when (e.Status is StatusCodes.Status412PreconditionFailed or StatusCodes.Status404NotFound)
        {
            return UploadOutcome.Refuse(UploadProblem.ChangedWhileChecked);
        }
        if (checkedFile.Problem is not null)
        {
            await ForgetAsync(userId, fileId);
            return UploadOutcome.Refuse(checkedFile.Problem);
        }
        CompleteResult result;
        try
        {
            result = await store.CompleteUploadAsync(userId, fileId, checkedFile.Type!, inspector.Length, checkedFile.Sha256, quota,
                token => blobs.EnsureContentAsync(userId, checkedFile.Sha256, fileId, version, token), cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is StatusCodes.Status412PreconditionFailed or StatusCodes.Status404NotFound)
        {
            // The bytes changed (or went) after they were checked: nothing was committed; the client may complete again.
            return UploadOutcome.Refuse(UploadProblem.ChangedWhileChecked);
        }
        switch (result)
        {
            case CompleteResult.Completed completed:
                await blobs.DeleteStagedAsync(fileId);
                LogUploaded(logger, fileId, completed.File.MediaType!, completed.File.SizeBytes);
                return UploadOutcome.Accept(completed.File);
            case CompleteResult.Refused refused:
                await ForgetAsync(userId, fileId);
                return UploadOutcome.Refuse(refused.Problem);
            default:
                return await store.FindAsync(userId, fileId, cancellationToken) is { } file ? UploadOutcome.Accept(file) : null;
        }
    }

    /// <summary>Deletes the file, then its blob when no other file of the user has the same bytes.</summary>
    public async Task<bool> DeleteAsync(Guid userId, Guid fileId, CancellationToken cancellationToken)
    {
        if (await store.DeleteAsync(userId, fileId, cancellationToken) is not { } deleted)
        {
            return false;
        }
        if (deleted.Sha256 is { } sha256 && deleted.Status != FileStatuses.Uploading)
        {
            try
            {
                // The request is answered either way: the row is gone; a blob left behind is storage, not data anyone reads.
                await store.DeleteContentIfUnreferencedAsync(userId, sha256, token => blobs.DeleteContentAsync(userId, sha256, token), CancellationToken.None);
            }
            catch (Exception e) when (e is Azure.RequestFailedException or Npgsql.NpgsqlException)
            {
                LogContentBlobLeft(logger, e, fileId);
            }
        }
        else
        {
            await blobs.DeleteStagedAsync(fileId);
        }
        return true;
    }

    private async Task<(FileType? Type, string Sha256, UploadProblem? Problem)> CheckAsync(
        Guid fileId, ContentInspector inspector, ETag? version, CancellationToken cancellationToken)
    {
        var (type, sha256, problem) = inspector.Finish();
        if (problem is not null)
        {
            return (null, sha256, problem);
        }
        if (type == FileType.Zip)
        {
            type = await blobs.SniffStagedZipAsync(fileId, inspector.Length, version, cancellationToken);
            if (type is null)
            {
                return (null, sha256, UploadProblem.Unsupported);
            }
        }
        return (type, sha256, null);
    }

    private async Task ForgetAsync(Guid userId, Guid fileId)
    {
        await store.RemoveUploadingAsync(userId, fileId, CancellationToken.None);
        await blobs.DeleteStagedAsync(fileId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "File {FileId} uploaded: {MediaType}, {SizeBytes} bytes")]
    private static partial void LogUploaded(ILogger logger, Guid fileId, string mediaType, long sizeBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "File {FileId} was deleted but its blob could not be")]
    private static partial void LogContentBlobLeft(ILogger logger, Exception exception, Guid fileId);
}

/// <summary>An upload's result: the file, or why it was refused.</summary>
public sealed record UploadOutcome(StoredFile? File, UploadProblem? Problem)
{
    public static UploadOutcome Accept(StoredFile file) => new(file, null);

    public static UploadOutcome Refuse(UploadProblem problem) => new(null, problem);
}
