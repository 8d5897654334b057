using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ChatPlatform.EventLog;
using ChatPlatform.Ingestion.Processing;
using ChatPlatform.Ingestion.Scanning;
using ChatPlatform.Ingestion.Tests.Apis;
using ChatPlatform.Ingestion.Tests.Extraction;
using ChatPlatform.Ingestion.Tests.Scanning;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.Ingestion.Tests.Processing;

/// <summary>The pipeline through the service as it runs: upload over HTTP, then scan, extract, chunk, embed, ready.</summary>
[Collection(nameof(FilesCollection))]
public sealed class FileProcessingTests(PostgresFixture postgres, AzuriteFixture azurite)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_uploaded_pdf_is_scanned_read_chunked_and_embedded_and_then_ready_with_its_pages()
    {
        await using var clamd = new FakeClamd(FakeClamd.Behaviour.Scan);
        await using var host = await StartAsync(clamd.Endpoint);
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);
        var pdf = TestFiles.TextPdf("Alpacas graze on the high plateau of the Andes.", "Revenue for the fiscal year grew by twelve percent.");

        var id = await UploadAsync(client, pdf, "report.pdf");
        var file = await WaitForStatusAsync(client, id, "ready");

        Assert.Equal(100, file["progress"]!.GetValue<int>());
        Assert.Equal(2, file["pages"]!.GetValue<int>());
        Assert.Null(file["error"]);
        Assert.Equal(pdf, clamd.Received.ToArray());
        var chunks = file["chunks"]!.GetValue<int>();
        Assert.Equal(chunks, await host.CountAsync("SELECT count(*) FROM ingestion.chunks WHERE file_id = $1 AND user_id = $2 AND embedding IS NOT NULL", id, userId));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM ingestion.chunks WHERE file_id = $1 AND page = 2 AND text LIKE '%twelve percent%'", id));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM events.events WHERE type = $1 AND key = $2", FileEvents.Ready, userId.ToString()));
        // The local model costs nothing: no usage is recorded for it.
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM events.events WHERE type = 'usage.recorded' AND key = $1", userId.ToString()));
    }

    [Fact]
    public async Task An_infected_file_is_quarantined_before_anything_reads_it_and_is_never_served()
    {
        await using var clamd = new FakeClamd(FakeClamd.Behaviour.Scan);
        await using var host = await StartAsync(clamd.Endpoint);
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);

        var id = await UploadAsync(client, Encoding.UTF8.GetBytes("notes\n" + FakeClamd.Eicar + "\n"), "notes.txt");
        var file = await WaitForStatusAsync(client, id, "quarantined");

        Assert.Contains("virus scan found", file["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM ingestion.chunks WHERE file_id = $1", id));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM events.events WHERE type = $1 AND key = $2", FileEvents.Failed, userId.ToString()));
        var content = await client.GetAsync($"/v1/files/{id}/content", Cancellation);
        Assert.Equal(HttpStatusCode.Gone, content.StatusCode);
    }

    [Fact]
    public async Task A_file_that_cannot_be_read_fails_at_once_with_a_reason_a_person_understands()
    {
        await using var host = await StartAsync(clamd: null);
        var client = host.ClientFor(Guid.NewGuid());

        var id = await UploadAsync(client, TestFiles.EncryptedPdf("secret"), "locked.pdf");
        var file = await WaitForStatusAsync(client, id, "failed");

        Assert.Contains("password", file["error"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1L, await host.ScalarAsync("SELECT attempts::bigint FROM ingestion.files WHERE id = $1", id));
    }

    [Fact]
    public async Task A_scanner_that_stays_down_is_retried_and_the_file_fails_for_good_after_the_last_attempt()
    {
        await using var clamd = new FakeClamd(FakeClamd.Behaviour.Error);
        await using var host = await StartAsync(clamd.Endpoint, new() { ["Processing:MaxAttempts"] = "2" });
        var client = host.ClientFor(Guid.NewGuid());

        var id = await UploadAsync(client, Encoding.UTF8.GetBytes("plain notes"), "notes.txt");
        var file = await WaitForStatusAsync(client, id, "failed");

        Assert.Equal(FileProcessor.RepeatedFailure, file["error"]!.GetValue<string>());
        Assert.Equal(3L, await host.ScalarAsync("SELECT attempts::bigint FROM ingestion.files WHERE id = $1", id));
    }

    [Fact]
    public async Task A_file_over_the_scanners_size_limit_fails_at_once_without_naming_the_scanner()
    {
        await using var clamd = new FakeClamd(FakeClamd.Behaviour.Scan, sizeLimit: 1_000);
        await using var host = await StartAsync(clamd.Endpoint);
        var client = host.ClientFor(Guid.NewGuid());

        var id = await UploadAsync(client, Encoding.UTF8.GetBytes(new string('x', 5_000)), "long.txt");
        var file = await WaitForStatusAsync(client, id, "failed");

        Assert.Equal(FileProcessor.TooLargeToScan, file["error"]!.GetValue<string>());
        Assert.DoesNotContain(clamd.Endpoint, file.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(1L, await host.ScalarAsync("SELECT attempts::bigint FROM ingestion.files WHERE id = $1", id));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM ingestion.chunks WHERE file_id = $1", id));
    }

    [Fact]
    public async Task A_redelivered_upload_of_a_finished_file_changes_nothing()
    {
        await using var host = await StartAsync(clamd: null);
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);
        var id = await UploadAsync(client, Encoding.UTF8.GetBytes("The meeting moved to Thursday at ten."), "memo.txt");
        await WaitForStatusAsync(client, id, "ready");
        var before = await host.ScalarAsync("SELECT (updated_at, chunks, attempts)::text FROM ingestion.files WHERE id = $1", id);
        var uploaded = EventToAppend.Create(FileEvents.Uploaded, userId.ToString(), new FileUploaded(id, userId));

        await using (var scope = host.Services.CreateAsyncScope())
        {
            var processor = scope.ServiceProvider.GetRequiredService<FileProcessor>();
            await processor.HandleAsync(new EventRecord(uploaded.Id, 0, uploaded.Type, uploaded.Key, uploaded.Payload, DateTimeOffset.UtcNow, null), Cancellation);
        }

        Assert.Equal(before, await host.ScalarAsync("SELECT (updated_at, chunks, attempts)::text FROM ingestion.files WHERE id = $1", id));
    }

    [Fact]
    public async Task A_ready_pdfs_page_is_drawn_as_a_png_for_its_owner_only()
    {
        await using var host = await StartAsync(clamd: null);
        var (owner, other) = (Guid.NewGuid(), Guid.NewGuid());
        var client = host.ClientFor(owner);
        var id = await UploadAsync(client, TestFiles.TextPdf("The first page.", "The second page, cited."), "report.pdf");
        var text = await UploadAsync(client, Encoding.UTF8.GetBytes("plain notes"), "notes.txt");
        await WaitForStatusAsync(client, id, "ready");
        await WaitForStatusAsync(client, text, "ready");

        using var page = await client.GetAsync($"/v1/files/{id}/pages/2/image", Cancellation);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("image/png", page.Content.Headers.ContentType!.MediaType);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        var png = await page.Content.ReadAsByteArrayAsync(Cancellation);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        // The IHDR chunk's width and height, big-endian at bytes 16 and 20: fitted to the preview's box.
        var (width, height) = (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.Equal(Previews.PdfPagePreviewer.LongestSidePixels, Math.Max(width, height));

        await Apis.FilesApiTests.AssertProblemAsync(await client.GetAsync($"/v1/files/{id}/pages/3/image", Cancellation), HttpStatusCode.NotFound);
        await Apis.FilesApiTests.AssertProblemAsync(await client.GetAsync($"/v1/files/{id}/pages/0/image", Cancellation), HttpStatusCode.NotFound);
        await Apis.FilesApiTests.AssertProblemAsync(await client.GetAsync($"/v1/files/{text}/pages/1/image", Cancellation), HttpStatusCode.Conflict);
        await Apis.FilesApiTests.AssertProblemAsync(await host.ClientFor(other).GetAsync($"/v1/files/{id}/pages/1/image", Cancellation), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task One_users_held_up_file_holds_back_only_the_users_of_its_partition()
    {
        // Two users whose files shared a partition when there were two, and do not now there are eight.
        var holder = Guid.NewGuid();
        var other = Enumerable.Range(0, 1000).Select(_ => Guid.NewGuid()).First(u =>
            new EventPartition(0, 2).Owns(u.ToString()) == new EventPartition(0, 2).Owns(holder.ToString())
            && !SamePartition(u, holder, 8));
        await using var clamd = new FakeClamd(FakeClamd.Behaviour.Scan);
        await using var host = await StartAsync(clamd.Endpoint, new() { ["Processing:ConcurrentFiles"] = "2" });
        var holderClient = host.ClientFor(holder);
        var held = await UploadAsync(holderClient, Encoding.UTF8.GetBytes("notes " + FakeClamd.HoldMarker), "held.txt");
        var queued = await UploadAsync(holderClient, Encoding.UTF8.GetBytes("more notes"), "queued.txt");
        await clamd.Holding.Task.WaitAsync(TimeSpan.FromSeconds(60), Cancellation);

        var otherClient = host.ClientFor(other);
        var theirs = await UploadAsync(otherClient, Encoding.UTF8.GetBytes("their notes"), "theirs.txt");
        await WaitForStatusAsync(otherClient, theirs, "ready");

        // Meanwhile the holder's next file waits behind the held one, still pending: one file at a time per partition.
        var waiting = (await holderClient.GetFromJsonAsync<JsonObject>($"/v1/files/{queued}", Cancellation))!;
        Assert.Equal("pending", waiting["status"]!.GetValue<string>());
        clamd.Release.TrySetResult();
        await WaitForStatusAsync(holderClient, held, "ready");
        await WaitForStatusAsync(holderClient, queued, "ready");
    }

    private static bool SamePartition(Guid a, Guid b, int count) =>
        Enumerable.Range(0, count).Any(i => new EventPartition(i, count).Owns(a.ToString()) && new EventPartition(i, count).Owns(b.ToString()));

    private Task<IngestionHost> StartAsync(string? clamd, Dictionary<string, string>? settings = null)
    {
        settings ??= [];
        settings["Processing:Enabled"] = "true";
        if (clamd is not null)
        {
            settings[$"{VirusScanOptions.SectionName}:Clamd"] = clamd;
        }
        return IngestionHost.StartAsync(postgres, azurite, settings);
    }

    private static async Task<Guid> UploadAsync(HttpClient client, byte[] bytes, string name)
    {
        var created = await client.PostAsync("/v1/files", Samples.Upload(bytes, name), Cancellation);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync(Cancellation));
        return (await created.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!["id"]!.GetValue<Guid>();
    }

    /// <summary>The file once it reaches <paramref name="status"/>; fails at once if it ends in another final status.</summary>
    private static async Task<JsonObject> WaitForStatusAsync(HttpClient client, Guid id, string status)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        deadline.CancelAfter(TimeSpan.FromSeconds(90));
        while (true)
        {
            var file = (await client.GetFromJsonAsync<JsonObject>($"/v1/files/{id}", deadline.Token))!;
            var current = file["status"]!.GetValue<string>();
            if (current == status)
            {
                return file;
            }
            Assert.True(current is "pending" or "processing", $"the file ended {current}: {file["error"]}");
            await Task.Delay(100, deadline.Token);
        }
    }
}
