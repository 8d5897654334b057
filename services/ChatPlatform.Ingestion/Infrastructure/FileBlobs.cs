using System.Buffers;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using ChatPlatform.Ingestion.Files;

namespace ChatPlatform.Ingestion.Infrastructure;

/// <summary>
/// The two containers of docs/files.md, Storage: <c>uploads/{fileId}</c>, where bytes land before they are checked,
/// and <c>files/{userId}/{sha256}</c>, their content address once they are. Blob names are built from ids and hashes
/// only, never from anything a client sent.
/// </summary>
public sealed partial class FileBlobs(BlobServiceClient service, TimeProvider timeProvider, ILogger<FileBlobs> logger)
{
    public const string FilesContainer = "files";
    public const string UploadsContainer = "uploads";

    /// <summary>One staged block at a time, so an upload holds at most this much in memory whatever its size.</summary>
    internal const int BlockSize = 4 * 1024 * 1024;

    private const int ReadSize = 81920;

    private readonly BlobContainerClient _files = service.GetBlobContainerClient(FilesContainer);
    private readonly BlobContainerClient _uploads = service.GetBlobContainerClient(UploadsContainer);
    private readonly SemaphoreSlim _ensureLock = new(1, 1);
    private volatile bool _containersExist;

    public static string ContentBlobName(Guid userId, string sha256) => $"{FilesContainer}/{userId}/{sha256}";

    public static string StagingBlobName(Guid fileId) => $"{UploadsContainer}/{fileId}";

    /// <summary>Creates both containers (idempotent); once it has succeeded, a no-op.</summary>
    public async Task EnsureContainersAsync(CancellationToken cancellationToken)
    {
        if (_containersExist)
        {
            return;
        }
        await _ensureLock.WaitAsync(cancellationToken);
        try
        {
            if (!_containersExist)
            {
                await _files.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                await _uploads.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                _containersExist = true;
            }
        }
        finally
        {
            _ensureLock.Release();
        }
    }

    /// <summary>
    /// Streams <paramref name="source"/> into <c>uploads/{fileId}</c> through <paramref name="inspector"/>, one block at
    /// a time. Stops at the first problem the inspector sees; the blocks staged so far are never committed.
    /// </summary>
    public async Task<UploadProblem?> StageAsync(Guid fileId, Stream source, ContentInspector inspector, CancellationToken cancellationToken)
    {
        await EnsureContainersAsync(cancellationToken);
        var blob = _uploads.GetBlockBlobClient(fileId.ToString());
        var buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
        try
        {
            var blockIds = new List<string>();
            var filled = 0;
            while (true)
            {
                var read = await source.ReadAsync(buffer.AsMemory(filled, Math.Min(ReadSize, BlockSize - filled)), cancellationToken);
                if (read == 0)
                {
                    break;
                }
                if (inspector.Observe(buffer.AsSpan(filled, read)) is { } problem)
                {
                    return problem;
                }
                filled += read;
                if (filled == BlockSize)
                {
                    await StageBlockAsync(blob, blockIds, buffer, filled, cancellationToken);
                    filled = 0;
                }
            }
            if (blockIds.Count == 0)
            {
                using var whole = new MemoryStream(buffer, 0, filled, writable: false);
                await blob.UploadAsync(whole, cancellationToken: cancellationToken);
                return null;
            }
            if (filled > 0)
            {
                await StageBlockAsync(blob, blockIds, buffer, filled, cancellationToken);
            }
            await blob.CommitBlockListAsync(blockIds, cancellationToken: cancellationToken);
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task StageBlockAsync(BlockBlobClient blob, List<string> blockIds, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        // Block ids of one blob must all have the same length.
        var id = Convert.ToBase64String(Encoding.ASCII.GetBytes($"block-{blockIds.Count:D6}"));
        using var block = new MemoryStream(buffer, 0, length, writable: false);
        await blob.StageBlockAsync(id, block, cancellationToken: cancellationToken);
        blockIds.Add(id);
    }

    /// <summary>The staged blob's length, or null when nothing was uploaded there.</summary>
    public async Task<long?> StagedLengthAsync(Guid fileId, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await _uploads.GetBlobClient(fileId.ToString()).GetPropertiesAsync(cancellationToken: cancellationToken);
            return properties.Value.ContentLength;
        }
        catch (RequestFailedException e) when (e.Status == StatusCodes.Status404NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads the staged blob once, streaming, through <paramref name="inspector"/>; stops at the first problem. The
    /// version read (its ETag) is what <see cref="EnsureContentAsync"/> must copy: the upload URL can still write.
    /// Null when the blob is not there (any more).
    /// </summary>
    public async Task<(UploadProblem? Problem, ETag ETag)?> InspectStagedAsync(Guid fileId, ContentInspector inspector, CancellationToken cancellationToken)
    {
        Response<BlobDownloadStreamingResult> download;
        try
        {
            download = await _uploads.GetBlobClient(fileId.ToString()).DownloadStreamingAsync(cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == StatusCodes.Status404NotFound)
        {
            return null;
        }
        var etag = download.Value.Details.ETag;
        await using var stream = download.Value.Content;
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, ReadSize), cancellationToken)) > 0)
            {
                if (inspector.Observe(buffer.AsSpan(0, read)) is { } problem)
                {
                    return (problem, etag);
                }
            }
            return (null, etag);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A ZIP's type from the staged blob's central directory (<see cref="OoxmlSniffer"/>), by range reads of the version inspected.</summary>
    public Task<FileType?> SniffStagedZipAsync(Guid fileId, long length, ETag? etag, CancellationToken cancellationToken)
    {
        var blob = _uploads.GetBlobClient(fileId.ToString());
        return OoxmlSniffer.SniffAsync(length, async (offset, count, token) =>
        {
            var content = await blob.DownloadContentAsync(new BlobDownloadOptions
            {
                Range = new HttpRange(offset, count),
                Conditions = etag is { } version ? new BlobRequestConditions { IfMatch = version } : null,
            }, token);
            return content.Value.Content.ToArray();
        }, cancellationToken);
    }

    /// <summary>
    /// Puts the staged bytes at their content address, unless the user already stores the same bytes there. With
    /// <paramref name="stagedETag"/>, only that version is copied: bytes written after they were checked fail the copy
    /// (412) rather than land under a hash that is not theirs.
    /// </summary>
    public async Task EnsureContentAsync(Guid userId, string sha256, Guid fileId, ETag? stagedETag, CancellationToken cancellationToken)
    {
        var target = _files.GetBlobClient($"{userId}/{sha256}");
        if (await target.ExistsAsync(cancellationToken))
        {
            return;
        }
        var options = new BlobCopyFromUriOptions
        {
            SourceConditions = stagedETag is { } version ? new BlobRequestConditions { IfMatch = version } : null,
        };
        var copy = await target.StartCopyFromUriAsync(_uploads.GetBlobClient(fileId.ToString()).Uri, options, cancellationToken);
        await copy.WaitForCompletionAsync(cancellationToken);
    }

    public async Task DeleteStagedAsync(Guid fileId)
    {
        try
        {
            await _uploads.GetBlobClient(fileId.ToString()).DeleteIfExistsAsync();
        }
        catch (RequestFailedException e)
        {
            // Staged bytes are never served or referenced; a leftover costs storage, not safety.
            LogStagedBlobLeft(logger, e, fileId);
        }
    }

    public Task DeleteContentAsync(Guid userId, string sha256, CancellationToken cancellationToken) =>
        _files.GetBlobClient($"{userId}/{sha256}").DeleteIfExistsAsync(cancellationToken: cancellationToken);

    /// <summary>The bytes of a checked file, streaming; null when the blob is gone (deleted meanwhile).</summary>
    public async Task<Stream?> OpenContentAsync(Guid userId, string sha256, CancellationToken cancellationToken)
    {
        try
        {
            var download = await _files.GetBlobClient($"{userId}/{sha256}").DownloadStreamingAsync(cancellationToken: cancellationToken);
            return download.Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == StatusCodes.Status404NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// A URL that can create and write <c>uploads/{fileId}</c> and nothing else, until <paramref name="lifetime"/> has
    /// passed. Signed with the account key when the client holds one (a connection string), otherwise with a user
    /// delegation key obtained with the client's Entra ID credential (a managed identity in Azure).
    /// </summary>
    public async Task<(Uri Url, DateTimeOffset ExpiresAt)> CreateUploadUrlAsync(Guid fileId, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        await EnsureContainersAsync(cancellationToken);
        var blob = _uploads.GetBlobClient(fileId.ToString());
        var now = timeProvider.GetUtcNow();
        var expiresAt = now + lifetime;
        var sas = new BlobSasBuilder(BlobSasPermissions.Create | BlobSasPermissions.Write, expiresAt)
        {
            BlobContainerName = UploadsContainer,
            BlobName = fileId.ToString(),
            Resource = "b",
            // Clocks differ a little between this host and the storage service.
            StartsOn = now.AddMinutes(-5),
            Protocol = blob.Uri.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };
        if (blob.CanGenerateSasUri)
        {
            return (blob.GenerateSasUri(sas), expiresAt);
        }
        var key = await service.GetUserDelegationKeyAsync(sas.StartsOn, expiresAt, cancellationToken);
        var uri = new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(key.Value, service.AccountName) }.ToUri();
        return (uri, expiresAt);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The staged blob of file {FileId} could not be deleted")]
    private static partial void LogStagedBlobLeft(ILogger logger, Exception exception, Guid fileId);
}
