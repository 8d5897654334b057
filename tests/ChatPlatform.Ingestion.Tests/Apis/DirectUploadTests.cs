using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Testing;
using static ChatPlatform.Ingestion.Tests.Apis.FilesApiTests;

namespace ChatPlatform.Ingestion.Tests.Apis;

/// <summary><c>POST /v1/files/upload-url</c>, a <c>PUT</c> to Azurite with the SAS URL, and <c>complete</c>.</summary>
[Collection(nameof(FilesCollection))]
public sealed class DirectUploadTests(PostgresFixture postgres, AzuriteFixture azurite)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_file_put_to_the_upload_url_and_completed_becomes_a_file_once()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);
        var bytes = Samples.Ooxml("word/document.xml");

        var created = await client.PostAsJsonAsync("/v1/files/upload-url", new { name = "../Plan.docx", size = bytes.Length }, Cancellation);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await ReadAsync(created);
        var file = body["file"]!;
        var id = file["id"]!.GetValue<Guid>();
        Assert.Equal($"/v1/files/{id}", created.Headers.Location!.ToString());
        Assert.Equal("uploading", file["status"]!.GetValue<string>());
        Assert.Equal("Plan.docx", file["name"]!.GetValue<string>());
        var uploadUrl = new Uri(body["uploadUrl"]!.GetValue<string>());
        Assert.Equal($"/devstoreaccount1/uploads/{id}", uploadUrl.AbsolutePath);
        var expiresAt = body["expiresAt"]!.GetValue<DateTimeOffset>();
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
        Assert.Contains("sp=cw", uploadUrl.Query, StringComparison.Ordinal);

        // Completing before the bytes are there is a conflict, not a file.
        await AssertProblemAsync(await client.PostAsync($"/v1/files/{id}/complete", null, Cancellation), HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(uploadUrl, bytes)).StatusCode);

        var completed = await client.PostAsync($"/v1/files/{id}/complete", null, Cancellation);
        var again = await client.PostAsync($"/v1/files/{id}/complete", null, Cancellation);

        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        var done = await ReadAsync(completed);
        Assert.Equal("pending", done["status"]!.GetValue<string>());
        Assert.Equal("application/vnd.openxmlformats-officedocument.wordprocessingml.document", done["mediaType"]!.GetValue<string>());
        Assert.Equal(Samples.Sha256(bytes), done["sha256"]!.GetValue<string>());
        Assert.Equal(bytes.Length, done["sizeBytes"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(done.ToJsonString(), (await ReadAsync(again)).ToJsonString());
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM events.events WHERE key = $1 AND type = 'file.uploaded'", userId.ToString()));
        Assert.Equal([$"{userId}/{Samples.Sha256(bytes)}"], await host.ContentBlobsOfAsync(userId));
        Assert.Empty(await host.StagedBlobsAsync());
        using var content = await client.GetAsync($"/v1/files/{id}/content", Cancellation);
        Assert.Equal(bytes, await content.Content.ReadAsByteArrayAsync(Cancellation));
    }

    [Fact]
    public async Task The_upload_url_writes_one_blob_and_reads_nothing()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var client = host.ClientFor(Guid.NewGuid());
        var body = await ReadAsync(await client.PostAsJsonAsync("/v1/files/upload-url", new { name = "a.pdf", size = 100 }, Cancellation));
        var uploadUrl = new Uri(body["uploadUrl"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(uploadUrl, Samples.Pdf(100))).StatusCode);
        using var http = new HttpClient();

        var read = await http.GetAsync(uploadUrl, Cancellation);
        var otherBlob = await PutAsync(new UriBuilder(uploadUrl) { Path = $"/devstoreaccount1/uploads/{Guid.NewGuid()}" }.Uri, Samples.Pdf(100));
        var otherContainer = await PutAsync(new UriBuilder(uploadUrl) { Path = $"/devstoreaccount1/files/{Guid.NewGuid()}/x" }.Uri, Samples.Pdf(100));
        var list = await http.GetAsync(new UriBuilder(uploadUrl) { Path = "/devstoreaccount1/uploads", Query = uploadUrl.Query.TrimStart('?') + "&restype=container&comp=list" }.Uri, Cancellation);

        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherBlob.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherContainer.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);

        // Deleting a file never completed takes its staged bytes too.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/files/{body["file"]!["id"]}", Cancellation)).StatusCode);
        Assert.Empty(await host.StagedBlobsAsync());
    }

    [Theory]
    [InlineData("too-large")]
    [InlineData("wrong-type")]
    public async Task Refused_bytes_at_complete_leave_no_file_and_no_blob(string kind)
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite, new Dictionary<string, string>
        {
            ["Files:MaxImageBytes"] = "1000",
        });
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);
        // Announced small; what arrives is an image over the image limit, or no accepted type.
        var body = await ReadAsync(await client.PostAsJsonAsync("/v1/files/upload-url", new { name = "a.png", size = 500 }, Cancellation));
        var id = body["file"]!["id"]!.GetValue<Guid>();
        var bytes = kind == "too-large" ? Samples.Png(5000) : Samples.Zip("a.txt");
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(new Uri(body["uploadUrl"]!.GetValue<string>()), bytes)).StatusCode);

        var response = await client.PostAsync($"/v1/files/{id}/complete", null, Cancellation);

        var problem = await AssertProblemAsync(response, kind == "too-large" ? HttpStatusCode.RequestEntityTooLarge : HttpStatusCode.UnsupportedMediaType);
        Assert.Contains(kind == "too-large" ? "image" : "not a type", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal((0, 0), await host.WritesOfAsync(userId));
        Assert.Empty(await host.StagedBlobsAsync());
        Assert.Empty(await host.ContentBlobsOfAsync(userId));
        await AssertProblemAsync(await client.PostAsync($"/v1/files/{id}/complete", null, Cancellation), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("{\"name\":\"a.pdf\"}", 400)]
    [InlineData("{\"name\":\"a.pdf\",\"size\":0}", 400)]
    [InlineData("{\"name\":\"a.pdf\",\"size\":-5}", 400)]
    [InlineData("{\"name\":\"a.pdf\",\"size\":\"big\"}", 400)]
    [InlineData("{\"name\":\"a.pdf\",\"size\":52428801}", 413)]
    [InlineData("{\"name\":\"a.pdf\",\"size\":900000}", 413)]
    [InlineData("not json", 400)]
    public async Task Bad_upload_url_requests_answer_4xx_and_record_nothing(string json, int status)
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite, new Dictionary<string, string>
        {
            ["Files:Tiers:free:MaxBytes"] = "800000",
        });
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);

        var response = await client.PostAsync("/v1/files/upload-url", new StringContent(json, System.Text.Encoding.UTF8, "application/json"), Cancellation);

        await AssertProblemAsync(response, (HttpStatusCode)status);
        Assert.Equal((0, 0), await host.WritesOfAsync(userId));
    }

    [Fact]
    public async Task An_upload_not_completed_counts_against_the_quota_at_its_announced_size()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite, new Dictionary<string, string>
        {
            ["Files:Tiers:free:MaxBytes"] = "1000000",
        });
        var client = host.ClientFor(Guid.NewGuid());
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/v1/files/upload-url", new { name = "a", size = 700_000 }, Cancellation)).StatusCode);

        var second = await client.PostAsJsonAsync("/v1/files/upload-url", new { name = "b", size = 400_000 }, Cancellation);
        var multipart = await client.PostAsync("/v1/files", Samples.Upload(Samples.Pdf(400_000)), Cancellation);

        await AssertProblemAsync(second, HttpStatusCode.RequestEntityTooLarge);
        await AssertProblemAsync(multipart, HttpStatusCode.RequestEntityTooLarge);
        var usage = (await ReadAsync(await client.GetAsync("/v1/files", Cancellation)))["usage"]!;
        Assert.Equal(700_000, usage["bytes"]!.GetValue<long>());
    }

    private static async Task<HttpResponseMessage> PutAsync(Uri url, byte[] bytes)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(bytes) };
        request.Headers.Add("x-ms-blob-type", "BlockBlob");
        return await http.SendAsync(request, Cancellation);
    }
}
