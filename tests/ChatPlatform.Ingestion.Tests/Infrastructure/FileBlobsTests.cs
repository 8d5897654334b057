using Azure;
using ChatPlatform.Ingestion.Files;
using ChatPlatform.Ingestion.Infrastructure;
using ChatPlatform.Ingestion.Tests.Apis;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Tests.Infrastructure;

[Collection(nameof(FilesCollection))]
public sealed class FileBlobsTests(PostgresFixture postgres, AzuriteFixture azurite)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Bytes_rewritten_after_their_check_are_not_moved_under_the_checked_hash()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var blobs = host.Services.GetRequiredService<FileBlobs>();
        var options = host.Services.GetRequiredService<IOptions<FilesOptions>>().Value;
        var (userId, fileId) = (Guid.NewGuid(), Guid.NewGuid());
        var staged = host.Blobs.GetBlobContainerClient(FileBlobs.UploadsContainer).GetBlobClient(fileId.ToString());
        await blobs.EnsureContainersAsync(Cancellation);
        await staged.UploadAsync(BinaryData.FromBytes(Samples.Pdf()), Cancellation);
        using var inspector = new ContentInspector(options, long.MaxValue, long.MaxValue);
        var (problem, version) = (await blobs.InspectStagedAsync(fileId, inspector, Cancellation))!.Value;
        Assert.Null(problem);
        var (_, sha256, _) = inspector.Finish();

        // What an upload URL still valid could do between the check and the move.
        await staged.UploadAsync(BinaryData.FromString("<script>alert(1)</script>"), overwrite: true, Cancellation);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => blobs.EnsureContentAsync(userId, sha256, fileId, version, Cancellation));
        Assert.Equal(412, error.Status);
        Assert.Empty(await host.ContentBlobsOfAsync(userId));
        await staged.DeleteAsync(cancellationToken: Cancellation);
    }
}
