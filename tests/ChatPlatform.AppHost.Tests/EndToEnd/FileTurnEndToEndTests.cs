using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ChatPlatform.Testing.Files;

namespace ChatPlatform.AppHost.Tests.EndToEnd;

/// <summary>
/// A file's whole path through the real processes (docs/files.md): uploaded through the gateway into Azurite,
/// processed by ingestion (extract, chunk, embed with the local model into pgvector), then attached to a turn that
/// chat grounds on it, and the answer's citations stored with the message.
/// </summary>
[Collection(nameof(SharedPlatformCollection))]
public sealed class FileTurnEndToEndTests(PlatformFixture platform)
{
    private static readonly string[] Pages =
    [
        "Alpacas graze on the high plateau of the Andes. Their wool is prized for its warmth.",
        "The herd grew by twelve percent in the last fiscal year.",
        "Shearing happens once a year, in spring.",
    ];

    private TestPlatform Platform => platform.Platform;

    [Fact]
    public async Task A_pdf_uploaded_through_the_gateway_grounds_a_turn_whose_answer_cites_its_page()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = await SignedInClientAsync(ct);
        var fileId = await UploadAsync(client, MinimalPdf.Create(Pages), "report.pdf", ct);
        var file = await WaitUntilReadyAsync(client, fileId, ct);
        Assert.Equal(3, file.GetProperty("pages").GetInt32());

        var conversation = await CreateConversationAsync(client, "sim-fast", ct);
        var events = await TurnAsync(client, conversation, new { content = "What do alpacas eat?", fileIds = new[] { fileId } }, ct);

        var done = events[^1];
        Assert.Equal("done", done.Type);
        var message = done.Data.GetProperty("message");
        var answer = message.GetProperty("content").GetString()!;
        Assert.Contains("\"Alpacas graze on the high plateau of the Andes.\" [1]", answer, StringComparison.Ordinal);
        Assert.Contains("See also [2].", answer, StringComparison.Ordinal);
        // Each page is its own source: [1] is page 1, [2] page 2, both of the uploaded file.
        var citations = message.GetProperty("citations").EnumerateArray().ToList();
        Assert.Equal([(1, 1), (2, 2)], citations.Select(c => (c.GetProperty("source").GetInt32(), c.GetProperty("page").GetInt32())));
        Assert.All(citations, c => Assert.Equal((fileId, "report.pdf"), (c.GetProperty("fileId").GetGuid(), c.GetProperty("fileName").GetString())));

        // Stored: the user message keeps its attachment and the answer its citation.
        var detail = await client.GetFromJsonAsync<JsonElement>($"/v1/conversations/{conversation}", ct);
        var path = detail.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(fileId, Assert.Single(path[0].GetProperty("attachments").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal([fileId, fileId], path[1].GetProperty("citations").EnumerateArray().Select(c => c.GetProperty("fileId").GetGuid()));
    }

    [Fact]
    public async Task An_image_reaches_a_vision_model_as_an_image_and_another_users_file_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        using var owner = await SignedInClientAsync(ct);
        using var other = await SignedInClientAsync(ct);
        var png = RenderPng(MinimalPdf.Create("A picture of a chart"));
        var imageId = await UploadAsync(owner, png, "chart.png", ct);
        await WaitUntilReadyAsync(owner, imageId, ct);

        var conversation = await CreateConversationAsync(owner, "sim-vision", ct);
        var events = await TurnAsync(owner, conversation, new { content = "What is in this picture?", fileIds = new[] { imageId } }, ct);
        var answer = events[^1].Data.GetProperty("message").GetProperty("content").GetString()!;
        Assert.Contains("I received 1 image.", answer, StringComparison.Ordinal);
        Assert.Contains($"PNG, {png.Length:N0} bytes", answer, StringComparison.Ordinal);

        var theirs = await CreateConversationAsync(other, "sim-vision", ct);
        using var refused = await other.PostAsJsonAsync($"/v1/conversations/{theirs}/turns", new { content = "Describe it", fileIds = new[] { imageId } }, ct);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        var after = await other.GetFromJsonAsync<JsonElement>($"/v1/conversations/{theirs}", ct);
        Assert.Empty(after.GetProperty("messages").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/v1/files/{imageId}", ct)).StatusCode);
    }

    private async Task<HttpClient> SignedInClientAsync(CancellationToken ct)
    {
        var client = Platform.CreateHttpClient("gateway");
        using var response = await client.PostAsJsonAsync("/v1/auth/register",
            new { email = $"files-{Guid.NewGuid():N}@example.com", password = "a long enough password " + Guid.NewGuid() }, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var tokens = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("accessToken").GetString());
        return client;
    }

    private static async Task<Guid> UploadAsync(HttpClient client, byte[] bytes, string name, CancellationToken ct)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", name } };
        using var response = await client.PostAsync("/v1/files", form, ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(ct));
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
    }

    private static async Task<JsonElement> WaitUntilReadyAsync(HttpClient client, Guid fileId, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(120));
        while (true)
        {
            var file = await client.GetFromJsonAsync<JsonElement>($"/v1/files/{fileId}", deadline.Token);
            var status = file.GetProperty("status").GetString();
            if (status == "ready")
            {
                return file;
            }
            if (status is not ("pending" or "processing"))
            {
                Assert.Fail($"the file ended {status}: {file}");
            }
            await Task.Delay(200, deadline.Token);
        }
    }

    private static async Task<Guid> CreateConversationAsync(HttpClient client, string model, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync("/v1/conversations", new { model }, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
    }

    private static async Task<List<SseEvent>> TurnAsync(HttpClient client, Guid conversation, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversation}/turns") { Content = JsonContent.Create(body) };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(ct));
        using var stream = new SseStream(await response.Content.ReadAsStreamAsync(ct));
        return await stream.ReadToEndAsync(ct);
    }

    /// <summary>The PDF's first page as a PNG, by poppler's pdftoppm (installed by .ci/setup for OCR).</summary>
    private static byte[] RenderPng(byte[] pdf)
    {
        var folder = Directory.CreateTempSubdirectory("chatplatform-png-");
        try
        {
            File.WriteAllBytes(Path.Combine(folder.FullName, "in.pdf"), pdf);
            using var process = Process.Start(new ProcessStartInfo("pdftoppm", ["-png", "-r", "40", "-singlefile", "in.pdf", "out"])
            {
                WorkingDirectory = folder.FullName,
            })!;
            process.WaitForExit();
            Assert.Equal(0, process.ExitCode);
            return File.ReadAllBytes(Path.Combine(folder.FullName, "out.png"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
