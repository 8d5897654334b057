using ChatPlatform.Ingestion.Files;
using ChatPlatform.Ingestion.Infrastructure;
using ChatPlatform.Ingestion.Model;
using ChatPlatform.Ingestion.Tests.Apis;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.Ingestion.Tests.Infrastructure;

[Collection(nameof(FilesCollection))]
public sealed class FileStoreTests(PostgresFixture postgres, AzuriteFixture azurite)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_failure_before_commit_leaves_neither_the_file_nor_its_event()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var store = host.Services.GetRequiredService<FileStore>();
        var userId = Guid.NewGuid();
        var file = NewFile(userId);

        // The blob move fails after the row and the event were written in the transaction.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.AddUploadedAsync(
            userId, file, Quota(), _ => throw new InvalidOperationException("storage is down"), Cancellation));

        Assert.Equal("storage is down", error.Message);
        Assert.Equal((0, 0), await host.WritesOfAsync(userId));

        Assert.Null(await store.AddUploadedAsync(userId, file, Quota(), _ => Task.CompletedTask, Cancellation));
        Assert.Equal((1, 1), await host.WritesOfAsync(userId));
    }

    [Fact]
    public async Task Concurrent_adds_never_pass_the_files_quota()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var store = host.Services.GetRequiredService<FileStore>();
        var userId = Guid.NewGuid();
        var quota = new TierQuota { MaxBytes = long.MaxValue, MaxFiles = 3 };

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            store.AddUploadedAsync(userId, NewFile(userId), quota, _ => Task.CompletedTask, Cancellation)));

        Assert.Equal(3, results.Count(r => r is null));
        Assert.All(results.Where(r => r is not null), r => Assert.Equal(413, r!.Status));
        Assert.Equal((3, 3), await host.WritesOfAsync(userId));
    }

    private static TierQuota Quota() => new() { MaxBytes = 1_000_000, MaxFiles = 10 };

    private static StoredFile NewFile(Guid userId)
    {
        var now = DateTimeOffset.UtcNow;
        var sha = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()).PadRight(64, '0');
        return new StoredFile(Guid.CreateVersion7(), "a.pdf", "application/pdf", "document", 10, sha, FileStatuses.Pending, 0, null, null, null, now, now)
        {
            BlobName = FileBlobs.ContentBlobName(userId, sha),
        };
    }
}
