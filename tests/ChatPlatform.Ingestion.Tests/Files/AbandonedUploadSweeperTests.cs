using System.Net;
using System.Net.Http.Json;
using ChatPlatform.Ingestion.Files;
using ChatPlatform.Ingestion.Tests.Apis;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static ChatPlatform.Ingestion.Tests.Apis.FilesApiTests;

namespace ChatPlatform.Ingestion.Tests.Files;

[Collection(nameof(FilesCollection))]
public sealed class AbandonedUploadSweeperTests(PostgresFixture postgres, AzuriteFixture azurite)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_upload_never_completed_is_forgotten_after_its_url_expired_and_frees_the_quota()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // The background sweep's timer runs on this clock too: it must not tick in the test's place.
        await using var host = await IngestionHost.StartAsync(postgres, azurite, new Dictionary<string, string>
        {
            ["Files:AbandonedUploadSweepInterval"] = "1.00:00:00",
        }, timeProvider: time);
        var sweeper = host.Services.GetRequiredService<AbandonedUploadSweeper>();
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);
        var abandoned = await ReadAsync(await client.PostAsJsonAsync("/v1/files/upload-url", new { name = "a.pdf", size = 1000 }, Cancellation));
        await PutAsync(new Uri(abandoned["uploadUrl"]!.GetValue<string>()), Samples.Pdf(1000));
        var completed = await ReadAsync(await client.PostAsJsonAsync("/v1/files/upload-url", new { name = "b.pdf", size = 1000 }, Cancellation));
        await PutAsync(new Uri(completed["uploadUrl"]!.GetValue<string>()), Samples.Pdf(1000));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/v1/files/{completed["file"]!["id"]}/complete", null, Cancellation)).StatusCode);

        // Still within the URL's 15 minutes and the grace after them.
        time.Advance(TimeSpan.FromMinutes(19));
        Assert.Empty(await sweeper.SweepOnceAsync(Cancellation));

        time.Advance(TimeSpan.FromMinutes(2));
        var swept = await sweeper.SweepOnceAsync(Cancellation);

        Assert.Equal([abandoned["file"]!["id"]!.GetValue<Guid>()], swept);
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM ingestion.files WHERE user_id = $1", userId));
        await AssertProblemAsync(await client.GetAsync($"/v1/files/{abandoned["file"]!["id"]}", Cancellation), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/files/{completed["file"]!["id"]}", Cancellation)).StatusCode);
        Assert.Empty(await host.StagedBlobsAsync());
    }

    private static async Task PutAsync(Uri url, byte[] bytes)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(bytes) };
        request.Headers.Add("x-ms-blob-type", "BlockBlob");
        Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(request, Cancellation)).StatusCode);
    }
}
