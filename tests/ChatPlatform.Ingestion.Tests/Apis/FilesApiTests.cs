using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Identity;
using ChatPlatform.Testing;

namespace ChatPlatform.Ingestion.Tests.Apis;

[Collection(nameof(FilesCollection))]
public sealed class FilesApiTests(PostgresFixture postgres, AzuriteFixture azurite)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_20_MB_document_round_trips_byte_for_byte_with_safe_headers()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);
        var pdf = Samples.Pdf(20 * 1024 * 1024);

        var created = await client.PostAsync("/v1/files", Samples.Upload(pdf, "Quarterly report.pdf", "text/html"), Cancellation);

        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync(Cancellation));
        var file = await ReadAsync(created);
        var id = file["id"]!.GetValue<Guid>();
        Assert.Equal($"/v1/files/{id}", created.Headers.Location!.ToString());
        Assert.Equal("Quarterly report.pdf", file["name"]!.GetValue<string>());
        Assert.Equal("application/pdf", file["mediaType"]!.GetValue<string>());
        Assert.Equal("document", file["kind"]!.GetValue<string>());
        Assert.Equal("pending", file["status"]!.GetValue<string>());
        Assert.Equal(pdf.Length, file["sizeBytes"]!.GetValue<long>());
        Assert.Equal(Samples.Sha256(pdf), file["sha256"]!.GetValue<string>());
        Assert.Equal([$"{userId}/{Samples.Sha256(pdf)}"], await host.ContentBlobsOfAsync(userId));
        Assert.Empty(await host.StagedBlobsAsync());

        using var content = await client.GetAsync($"/v1/files/{id}/content", HttpCompletionOption.ResponseHeadersRead, Cancellation);
        Assert.Equal(HttpStatusCode.OK, content.StatusCode);
        Assert.Equal("application/pdf", content.Content.Headers.ContentType!.MediaType);
        Assert.Equal(pdf.Length, content.Content.Headers.ContentLength);
        Assert.Equal("nosniff", content.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("sandbox", content.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("attachment", content.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal(Samples.Sha256(pdf), Samples.Sha256(await content.Content.ReadAsByteArrayAsync(Cancellation)));
    }

    [Theory]
    [InlineData("pdf", "application/pdf", "document")]
    [InlineData("png", "image/png", "image")]
    [InlineData("jpeg", "image/jpeg", "image")]
    [InlineData("gif", "image/gif", "image")]
    [InlineData("webp", "image/webp", "image")]
    [InlineData("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "document")]
    [InlineData("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "document")]
    [InlineData("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "document")]
    [InlineData("text", "text/plain", "text")]
    public async Task The_type_comes_from_the_bytes_never_from_the_name_or_content_type(string sample, string mediaType, string kind)
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var client = host.ClientFor(Guid.NewGuid());
        var bytes = sample switch
        {
            "pdf" => Samples.Pdf(),
            "png" => Samples.Png(),
            "jpeg" => Samples.Jpeg(),
            "gif" => Samples.Gif(),
            "webp" => Samples.WebP(),
            "docx" => Samples.Ooxml("word/document.xml"),
            "xlsx" => Samples.Ooxml("xl/workbook.xml"),
            "pptx" => Samples.Ooxml("ppt/presentation.xml"),
            // Multi-byte characters across the reads the server makes.
            _ => Samples.Text(string.Concat(Enumerable.Repeat("Grüße, 世界! 🎉 ", 20_000))),
        };

        // Every name and part type lies; the bytes decide.
        var response = await client.PostAsync("/v1/files", Samples.Upload(bytes, "invoice.exe", "application/x-msdownload"), Cancellation);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var file = await ReadAsync(response);
        Assert.Equal(mediaType, file["mediaType"]!.GetValue<string>());
        Assert.Equal(kind, file["kind"]!.GetValue<string>());
        using var content = await client.GetAsync($"/v1/files/{file["id"]}/content", Cancellation);
        Assert.Equal(bytes, await content.Content.ReadAsByteArrayAsync(Cancellation));
        Assert.Equal(kind == "image" ? "inline" : "attachment", content.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal(kind == "text" ? "text/plain; charset=utf-8" : mediaType, content.Content.Headers.ContentType!.ToString());
    }

    [Theory]
    [InlineData("zip", 415)]
    [InlineData("zip-without-content-types", 415)]
    [InlineData("binary", 415)]
    [InlineData("nul-in-text", 415)]
    [InlineData("invalid-utf8", 415)]
    [InlineData("cut-utf8", 415)]
    [InlineData("utf16", 415)]
    [InlineData("empty", 400)]
    public async Task Bytes_of_no_accepted_type_are_refused_and_leave_nothing(string sample, int status)
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);
        var text = Samples.Text(new string('a', 100_000));
        byte[] bytes = sample switch
        {
            "zip" => Samples.Zip("readme.txt", "word/document.xml"),
            "zip-without-content-types" => Samples.Zip("xl/workbook.xml"),
            "binary" => [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0],
            "nul-in-text" => [.. text, 0, .. text],
            "invalid-utf8" => [.. text, 0xC3, 0x28, .. text],
            "cut-utf8" => [.. text, 0xE2, 0x82],
            "utf16" => System.Text.Encoding.Unicode.GetBytes("\uFEFFhello"),
            _ => [],
        };

        var response = await client.PostAsync("/v1/files", Samples.Upload(bytes, "notes.txt", "text/plain"), Cancellation);

        await AssertProblemAsync(response, (HttpStatusCode)status);
        Assert.Equal((0, 0), await host.WritesOfAsync(userId));
        Assert.Empty(await host.ContentBlobsOfAsync(userId));
        Assert.Empty(await host.StagedBlobsAsync());
    }

    [Theory]
    [InlineData("filename=\"../../etc/passwd\"", "passwd")]
    [InlineData("filename=\"..\\\\..\\\\windows\\\\win.ini\"", "win.ini")]
    [InlineData("filename*=UTF-8''report%00%07%1B%5B31m.txt", "report[31m.txt")]
    [InlineData("filename*=UTF-8''invoice%E2%80%AEtxt.exe", "invoicetxt.exe")]
    [InlineData("filename*=UTF-8''a%0D%0Ab.txt", "ab.txt")]
    [InlineData("filename=\"\"", "untitled")]
    [InlineData("filename=\"..\"", "untitled")]
    [InlineData("filename=\"   \"", "untitled")]
    public async Task Hostile_names_become_display_text_and_never_reach_a_blob_name(string fileNameParameter, string expected)
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);
        var bytes = Samples.Text("hello");

        var response = await client.PostAsync("/v1/files", Samples.Raw([Samples.Part(bytes, fileNameParameter: fileNameParameter)]), Cancellation);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var file = await ReadAsync(response);
        Assert.Equal(expected, file["name"]!.GetValue<string>());
        Assert.Equal($"files/{userId}/{Samples.Sha256(bytes)}",
            await host.ScalarAsync("SELECT blob_name FROM ingestion.files WHERE id = $1", file["id"]!.GetValue<Guid>()));
        Assert.Equal([$"{userId}/{Samples.Sha256(bytes)}"], await host.ContentBlobsOfAsync(userId));
        using var content = await client.GetAsync($"/v1/files/{file["id"]}/content", Cancellation);
        Assert.Equal(expected, content.Content.Headers.ContentDisposition!.FileNameStar);
    }

    [Fact]
    public async Task A_name_of_1000_characters_is_cut_to_255_without_splitting_a_character()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var client = host.ClientFor(Guid.NewGuid());
        var name = "a" + string.Concat(Enumerable.Repeat("😀", 500));

        var response = await client.PostAsync("/v1/files", Samples.Upload(Samples.Text("x"), name), Cancellation);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var stored = (await ReadAsync(response))["name"]!.GetValue<string>();
        Assert.Equal("a" + string.Concat(Enumerable.Repeat("😀", 127)), stored);
    }

    public static TheoryData<string, int> MalformedRequests => new()
    {
        { "json", 415 },
        { "no-boundary", 400 },
        { "no-parts", 400 },
        { "other-part-only", 400 },
        { "file-then-another", 400 },
        { "another-then-file", 400 },
        { "two-files", 400 },
        { "cut-off", 400 },
        { "not-form-data", 400 },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task Malformed_requests_answer_4xx_problem_details_and_leave_nothing(string kind, int status)
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);
        var bytes = Samples.Text("hello");
        HttpContent content = kind switch
        {
            "json" => JsonContent.Create(new { file = "aGVsbG8=" }),
            "no-boundary" => Samples.Raw([Samples.Part(bytes)], contentType: "multipart/form-data"),
            "no-parts" => Samples.Raw([]),
            "other-part-only" => Samples.Raw([Samples.Part(bytes, name: "document")]),
            "file-then-another" => Samples.Raw([Samples.Part(bytes), Samples.Part(bytes, name: "note")]),
            "another-then-file" => Samples.Raw([Samples.Part(bytes, name: "note"), Samples.Part(bytes)]),
            "two-files" => Samples.Raw([Samples.Part(bytes), Samples.Part(Samples.Pdf())]),
            "cut-off" => Samples.Raw([Samples.Part(Samples.Pdf())], close: false),
            _ => Samples.Raw([("Content-Disposition: attachment; name=\"file\"; filename=\"a.txt\"", bytes)]),
        };

        var response = await client.PostAsync("/v1/files", content, Cancellation);

        await AssertProblemAsync(response, (HttpStatusCode)status);
        Assert.Equal((0, 0), await host.WritesOfAsync(userId));
        Assert.Empty(await host.ContentBlobsOfAsync(userId));
        Assert.Empty(await host.StagedBlobsAsync());
    }

    [Fact]
    public async Task The_same_bytes_twice_are_stored_once_and_the_blob_goes_with_the_last_file()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);
        var bytes = Samples.Png(100_000);

        var first = await ReadAsync(await client.PostAsync("/v1/files", Samples.Upload(bytes, "a.png"), Cancellation));
        var second = await ReadAsync(await client.PostAsync("/v1/files", Samples.Upload(bytes, "b.png"), Cancellation));

        Assert.NotEqual(first["id"]!.GetValue<Guid>(), second["id"]!.GetValue<Guid>());
        Assert.Single(await host.ContentBlobsOfAsync(userId));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/files/{first["id"]}", Cancellation)).StatusCode);
        Assert.Single(await host.ContentBlobsOfAsync(userId));
        using (var content = await client.GetAsync($"/v1/files/{second["id"]}/content", Cancellation))
        {
            Assert.Equal(bytes, await content.Content.ReadAsByteArrayAsync(Cancellation));
        }

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/files/{second["id"]}", Cancellation)).StatusCode);
        Assert.Empty(await host.ContentBlobsOfAsync(userId));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/files/{second["id"]}", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task Another_users_bytes_are_stored_apart_and_outlive_my_delete()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var (me, other) = (Guid.NewGuid(), Guid.NewGuid());
        var bytes = Samples.Jpeg(50_000);
        var mine = await ReadAsync(await host.ClientFor(me).PostAsync("/v1/files", Samples.Upload(bytes), Cancellation));
        var theirs = await ReadAsync(await host.ClientFor(other).PostAsync("/v1/files", Samples.Upload(bytes), Cancellation));

        await host.ClientFor(me).DeleteAsync($"/v1/files/{mine["id"]}", Cancellation);

        Assert.Empty(await host.ContentBlobsOfAsync(me));
        using var content = await host.ClientFor(other).GetAsync($"/v1/files/{theirs["id"]}/content", Cancellation);
        Assert.Equal(bytes, await content.Content.ReadAsByteArrayAsync(Cancellation));
    }

    [Fact]
    public async Task Every_route_answers_404_for_another_users_file_and_changes_nothing()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var (owner, attacker) = (Guid.NewGuid(), Guid.NewGuid());
        var bytes = Samples.Pdf();
        var file = await ReadAsync(await host.ClientFor(owner).PostAsync("/v1/files", Samples.Upload(bytes), Cancellation));
        var upload = await ReadAsync(await host.ClientFor(owner).PostAsJsonAsync("/v1/files/upload-url", new { name = "big.pdf", size = 1000 }, Cancellation));
        var client = host.ClientFor(attacker);

        foreach (var id in new[] { file["id"]!.GetValue<Guid>(), upload["file"]!["id"]!.GetValue<Guid>(), Guid.NewGuid() })
        {
            await AssertProblemAsync(await client.GetAsync($"/v1/files/{id}", Cancellation), HttpStatusCode.NotFound);
            await AssertProblemAsync(await client.GetAsync($"/v1/files/{id}/content", Cancellation), HttpStatusCode.NotFound);
            await AssertProblemAsync(await client.GetAsync($"/v1/files/{id}/pages/1/image", Cancellation), HttpStatusCode.NotFound);
            await AssertProblemAsync(await client.PostAsync($"/v1/files/{id}/complete", null, Cancellation), HttpStatusCode.NotFound);
            await AssertProblemAsync(await client.DeleteAsync($"/v1/files/{id}", Cancellation), HttpStatusCode.NotFound);
        }
        var list = await ReadAsync(await client.GetAsync("/v1/files", Cancellation));
        Assert.Empty(list["files"]!.AsArray());
        Assert.Equal(0, list["usage"]!["files"]!.GetValue<int>());

        Assert.Equal((2, 1), await host.WritesOfAsync(owner));
        Assert.Equal((0, 0), await host.WritesOfAsync(attacker));
        using var content = await host.ClientFor(owner).GetAsync($"/v1/files/{file["id"]}/content", Cancellation);
        Assert.Equal(bytes, await content.Content.ReadAsByteArrayAsync(Cancellation));
    }

    [Fact]
    public async Task With_blob_storage_unreachable_an_upload_answers_503_with_retry_after_and_writes_nothing()
    {
        var deadPort = ChatPlatform.Testing.Servers.FreePort.Next();
        await using var host = await IngestionHost.StartAsync(postgres, azurite, new Dictionary<string, string>
        {
            ["ConnectionStrings:blobs"] = azurite.ConnectionString.Replace($":{azurite.Server.Port}/", $":{deadPort}/", StringComparison.Ordinal),
        });
        var userId = Guid.NewGuid();

        var response = await host.ClientFor(userId).PostAsync("/v1/files", Samples.Upload(Samples.Text("notes"), "notes.txt"), Cancellation);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        Assert.Equal((0, 0), await host.WritesOfAsync(userId));
    }

    [Fact]
    public async Task Without_a_user_token_every_route_is_refused()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var anonymous = host.ClientFor(null);
        var service = host.ClientFor(null);
        service.DefaultRequestHeaders.Authorization = InternalTokens.Service();
        var forged = host.ClientFor(null);
        forged.DefaultRequestHeaders.Authorization = InternalTokens.Bearer(
            InternalTokens.Mint(InternalRoles.User, Guid.NewGuid(), key: Convert.ToBase64String(new byte[32])));

        await AssertProblemAsync(await anonymous.GetAsync("/v1/files", Cancellation), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await forged.GetAsync("/v1/files", Cancellation), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await anonymous.PostAsync("/v1/files", Samples.Upload(Samples.Pdf()), Cancellation), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await service.GetAsync("/v1/files", Cancellation), HttpStatusCode.Forbidden);
        Assert.Empty(await host.StagedBlobsAsync());
    }

    [Fact]
    public async Task Upload_and_delete_append_their_events_with_the_change()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);
        var gif = Samples.Gif();
        var id = (await ReadAsync(await client.PostAsync("/v1/files", Samples.Upload(gif), Cancellation)))["id"]!.GetValue<Guid>();

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/files/{id}", Cancellation)).StatusCode);

        var events = (string)(await host.ScalarAsync(
            "SELECT string_agg(type || ' ' || payload::text, ' | ' ORDER BY position) FROM events.events WHERE key = $1", userId.ToString()))!;
        Assert.Equal(
            $"file.uploaded {{\"fileId\": \"{id}\", \"userId\": \"{userId}\"}} | file.deleted {{\"fileId\": \"{id}\", \"sha256\": \"{Samples.Sha256(gif)}\", \"userId\": \"{userId}\"}}",
            events);
        await AssertProblemAsync(await client.DeleteAsync($"/v1/files/{id}", Cancellation), HttpStatusCode.NotFound);
        Assert.Equal(2, await host.CountAsync("SELECT count(*) FROM events.events WHERE key = $1", userId.ToString()));
    }

    [Fact]
    public async Task The_list_pages_newest_first_and_reports_usage_against_the_tier()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite, new Dictionary<string, string>
        {
            ["Files:Tiers:pro:MaxBytes"] = "5000000",
            ["Files:Tiers:pro:MaxFiles"] = "7",
        });
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId, tier: "pro");
        var ids = new List<Guid>();
        foreach (var size in new[] { 1000, 2000, 3000 })
        {
            ids.Add((await ReadAsync(await client.PostAsync("/v1/files", Samples.Upload(Samples.Pdf(size)), Cancellation)))["id"]!.GetValue<Guid>());
        }

        var first = await ReadAsync(await client.GetAsync("/v1/files?limit=2", Cancellation));
        var second = await ReadAsync(await client.GetAsync($"/v1/files?limit=2&before={first["nextBefore"]}", Cancellation));

        Assert.Equal([ids[2], ids[1]], first["files"]!.AsArray().Select(f => f!["id"]!.GetValue<Guid>()));
        Assert.Equal(ids[1], first["nextBefore"]!.GetValue<Guid>());
        Assert.Equal([ids[0]], second["files"]!.AsArray().Select(f => f!["id"]!.GetValue<Guid>()));
        Assert.Null(second["nextBefore"]);
        var usage = first["usage"]!;
        Assert.Equal(6000, usage["bytes"]!.GetValue<long>());
        Assert.Equal(3, usage["files"]!.GetValue<int>());
        Assert.Equal(5000000, usage["maxBytes"]!.GetValue<long>());
        Assert.Equal(7, usage["maxFiles"]!.GetValue<int>());
        // No tier claim: the default tier's quota.
        var free = await ReadAsync(await host.ClientFor(userId).GetAsync("/v1/files", Cancellation));
        Assert.Equal(200, free["usage"]!["maxFiles"]!.GetValue<int>());

        await AssertProblemAsync(await client.GetAsync("/v1/files?limit=0", Cancellation), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await client.GetAsync("/v1/files?limit=101", Cancellation), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await client.GetAsync("/v1/files?before=not-an-id", Cancellation), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Over_the_files_quota_or_the_bytes_quota_answers_413_naming_the_quota()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite, new Dictionary<string, string>
        {
            ["Files:Tiers:free:MaxBytes"] = "300000",
            ["Files:Tiers:free:MaxFiles"] = "2",
        });
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/v1/files", Samples.Upload(Samples.Pdf(200_000)), Cancellation)).StatusCode);

        var overBytes = await AssertProblemAsync(
            await client.PostAsync("/v1/files", Samples.Upload(Samples.Pdf(200_000)), Cancellation), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("storage quota", overBytes["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/v1/files", Samples.Upload(Samples.Pdf(1000)), Cancellation)).StatusCode);
        var overFiles = await AssertProblemAsync(
            await client.PostAsync("/v1/files", Samples.Upload(Samples.Pdf(10)), Cancellation), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("2 files", overFiles["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        Assert.Equal((2, 2), await host.WritesOfAsync(userId));
        Assert.Equal(2, (await host.ContentBlobsOfAsync(userId)).Count);
        Assert.Empty(await host.StagedBlobsAsync());
    }

    [Fact]
    public async Task The_content_of_a_quarantined_file_is_never_served()
    {
        await using var host = await IngestionHost.StartAsync(postgres, azurite);
        var userId = Guid.NewGuid();
        var client = host.ClientFor(userId);
        var file = await ReadAsync(await client.PostAsync("/v1/files", Samples.Upload(Samples.Pdf()), Cancellation));
        await host.ScalarAsync("UPDATE ingestion.files SET status = 'quarantined' WHERE id = $1", file["id"]!.GetValue<Guid>());

        var response = await client.GetAsync($"/v1/files/{file["id"]}/content", Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.Gone);
        Assert.Equal("quarantined", (await ReadAsync(await client.GetAsync($"/v1/files/{file["id"]}", Cancellation)))["status"]!.GetValue<string>());
    }

    internal static async Task<JsonNode> ReadAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonNode>(Cancellation))!;

    internal static async Task<JsonNode> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ReadAsync(response);
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        return problem;
    }
}
