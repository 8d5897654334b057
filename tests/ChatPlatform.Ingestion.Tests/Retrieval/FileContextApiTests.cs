using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using ChatPlatform.Ingestion.Extraction;
using ChatPlatform.Ingestion.Retrieval;
using ChatPlatform.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.Ingestion.Tests.Retrieval;

public sealed class FileContextApiTests(PostgresFixture postgres, AzuriteFixture azurite) : IAsyncLifetime
{
    // The smallest valid PNG: one transparent pixel.
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private ContextApiHost _host = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private IEmbeddingGenerator<string, Embedding<float>> Embeddings => _host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

    public async ValueTask InitializeAsync() => _host = await ContextApiHost.StartAsync(postgres, azurite, Cancellation);

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Files_that_fit_the_budget_come_whole_page_by_page_with_one_source_per_page()
    {
        var user = Guid.NewGuid();
        var report = await _host.Database.AddFileAsync(user, "report.pdf", kind: "document", mediaType: "application/pdf", cancellationToken: Cancellation);
        var notes = await _host.Database.AddFileAsync(user, "notes.md", cancellationToken: Cancellation);
        // Page 1 in two chunks that overlap as the chunker makes them; page 2 in one.
        await StoreAsync(report, [(1, "Revenue grew by twelve percent in the third quarter, driven by"), (1, "in the third quarter, driven by exports to Asia."), (2, "Costs fell.")]);
        await StoreAsync(notes, [(null, "Remember to ask about the export numbers.")]);

        using var response = await _host.PostContextAsync(user, new { fileIds = new[] { report, notes }, query = "exports", maxTokens = 6000, vision = true }, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var context = await ContextApiHost.ReadJsonAsync(response, Cancellation);
        Assert.Equal(["report.pdf", "notes.md"], context["files"]!.AsArray().Select(f => (string)f!["name"]!));
        Assert.All(context["files"]!.AsArray(), f => Assert.Equal("ready", (string)f!["status"]!));
        var passages = context["passages"]!.AsArray();
        Assert.Equal(3, passages.Count);
        Assert.Equal((1, 1, "Revenue grew by twelve percent in the third quarter, driven by exports to Asia."), Passage(passages[0]!));
        Assert.Equal((2, 2, "Costs fell."), Passage(passages[1]!));
        Assert.Equal((3, (int?)null, "Remember to ask about the export numbers."), (Passage(passages[2]!).Source, (int?)passages[2]!["page"], (string)passages[2]!["text"]!));
        Assert.Equal(notes, (Guid)passages[2]!["fileId"]!);
        Assert.Equal("notes.md", (string)passages[2]!["fileName"]!);
        Assert.Empty(context["images"]!.AsArray());
    }

    [Fact]
    public async Task A_file_larger_than_the_budget_comes_as_the_passages_that_answer_the_question_within_it()
    {
        var user = Guid.NewGuid();
        var handbook = await _host.Database.AddFileAsync(user, "handbook.pdf", kind: "document", mediaType: "application/pdf", cancellationToken: Cancellation);
        string[] pages =
        [
            "Returns: unopened items may be sent back within thirty days of delivery, and the full purchase price is refunded to the original card.",
            "Shipping: orders placed before noon leave the warehouse the same day; deliveries abroad take five to eight working days.",
            "Security: passwords must be at least twelve characters long and are rotated every ninety days for administrator accounts.",
            "Holidays: every employee has twenty-five days of paid leave a year, and unused days expire at the end of March.",
            "Expenses: receipts are scanned into the expense tool within a week; meals are reimbursed up to forty euros a day.",
        ];
        await StoreAsync(handbook, [.. pages.Select((text, i) => ((int?)(i + 1), text))]);
        var budget = RetrievalDatabase.TextTokens(pages[0]) + 5;

        using var response = await _host.PostContextAsync(user, new { fileIds = new[] { handbook }, query = "How long do I have to give a product back and get my money returned?", maxTokens = budget, vision = true }, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var passages = (await ContextApiHost.ReadJsonAsync(response, Cancellation))["passages"]!.AsArray();
        var passage = Assert.Single(passages);
        Assert.Equal((1, 1, pages[0]), Passage(passage!));
    }

    [Fact]
    public async Task A_small_file_stays_whole_while_a_large_one_shares_what_is_left_by_retrieval()
    {
        var user = Guid.NewGuid();
        var small = await _host.Database.AddFileAsync(user, "small.txt", cancellationToken: Cancellation);
        var large = await _host.Database.AddFileAsync(user, "large.txt", cancellationToken: Cancellation);
        await StoreAsync(small, [(null, "The meeting is on Tuesday.")]);
        var filler = Enumerable.Range(1, 40).Select(i => ((int?)i, $"Page {i} lists the inventory of shelf {i}: screws, bolts, washers and nuts in boxes of {i * 10}.")).ToList();
        filler[29] = (30, "Page 30: the fire extinguisher is next to the emergency exit on the ground floor.");
        await StoreAsync(large, filler);
        const int budget = 200;

        using var response = await _host.PostContextAsync(user, new { fileIds = new[] { small, large }, query = "Where can I find the fire extinguisher?", maxTokens = budget, vision = true }, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var passages = (await ContextApiHost.ReadJsonAsync(response, Cancellation))["passages"]!.AsArray();
        Assert.Equal("The meeting is on Tuesday.", (string)passages[0]!["text"]!);
        Assert.Contains(passages, p => ((string)p!["text"]!).Contains("fire extinguisher", StringComparison.Ordinal) && (int)p["page"]! == 30);
        Assert.True(passages.Sum(p => RetrievalDatabase.TextTokens((string)p!["text"]!)) <= budget);
        Assert.True(passages.Count < 41);
        // Sources number (file, page) pairs in the order passages come: the small file first, then the large one's pages.
        Assert.Equal(Enumerable.Range(1, passages.Count), passages.Select(p => (int)p!["source"]!));
    }

    [Fact]
    public async Task Images_come_as_data_urls_with_their_size_and_ocr_text_for_a_model_with_vision()
    {
        var user = Guid.NewGuid();
        var image = await AddImageAsync(user, "photo.png", ocr: "STOP");

        using var response = await _host.PostContextAsync(user, new { fileIds = new[] { image }, query = "what does the sign say", maxTokens = 1000, vision = true }, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var context = await ContextApiHost.ReadJsonAsync(response, Cancellation);
        Assert.Empty(context["passages"]!.AsArray());
        var sent = Assert.Single(context["images"]!.AsArray())!;
        Assert.Equal(image, (Guid)sent["fileId"]!);
        Assert.Equal("photo.png", (string)sent["fileName"]!);
        Assert.Equal("image/png", (string)sent["mediaType"]!);
        Assert.Equal("data:image/png;base64," + Convert.ToBase64String(Png), (string)sent["dataUrl"]!);
        Assert.Equal(1, (int)sent["width"]!);
        Assert.Equal(1, (int)sent["height"]!);
        Assert.Equal("STOP", (string)sent["ocrText"]!);
    }

    [Fact]
    public async Task Without_vision_images_come_as_passages_of_their_ocr_text()
    {
        var user = Guid.NewGuid();
        var image = await AddImageAsync(user, "photo.png", ocr: "STOP");

        using var response = await _host.PostContextAsync(user, new { fileIds = new[] { image }, query = "what does the sign say", maxTokens = 1000, vision = false }, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var context = await ContextApiHost.ReadJsonAsync(response, Cancellation);
        Assert.Empty(context["images"]!.AsArray());
        var passage = Assert.Single(context["passages"]!.AsArray())!;
        Assert.Equal("STOP", (string)passage["text"]!);
        Assert.Equal(image, (Guid)passage["fileId"]!);
        Assert.Equal("image", (string)context["files"]![0]!["kind"]!);
    }

    [Fact]
    public async Task Another_users_file_answers_404_exactly_like_an_unknown_one()
    {
        var (alice, mallory) = (Guid.NewGuid(), Guid.NewGuid());
        var alicesFile = await _host.Database.AddFileAsync(alice, "salaries.xlsx", cancellationToken: Cancellation);
        await StoreAsync(alicesFile, [(null, "Alice earns 91,000 euros.")]);
        var mallorysFile = await _host.Database.AddFileAsync(mallory, "mine.txt", cancellationToken: Cancellation);
        await StoreAsync(mallorysFile, [(null, "Nothing here.")]);
        var unknown = Guid.NewGuid();

        using var stolen = await _host.PostContextAsync(mallory, new { fileIds = new[] { mallorysFile, alicesFile }, query = "salary", maxTokens = 1000, vision = true }, Cancellation);
        using var missing = await _host.PostContextAsync(mallory, new { fileIds = new[] { mallorysFile, unknown }, query = "salary", maxTokens = 1000, vision = true }, Cancellation);

        Assert.Equal(HttpStatusCode.NotFound, stolen.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", stolen.Content.Headers.ContentType?.MediaType);
        var stolenBody = await stolen.Content.ReadAsStringAsync(Cancellation);
        var missingBody = await missing.Content.ReadAsStringAsync(Cancellation);
        Assert.DoesNotContain("salaries", stolenBody, StringComparison.Ordinal);
        Assert.DoesNotContain("91,000", stolenBody, StringComparison.Ordinal);
        Assert.Equal($"File {alicesFile} was not found.", (string)JsonNode.Parse(stolenBody)!["detail"]!);
        Assert.Equal($"File {unknown} was not found.", (string)JsonNode.Parse(missingBody)!["detail"]!);
    }

    [Fact]
    public async Task Earlier_files_deleted_not_ready_or_not_the_users_are_left_out_and_named_unavailable_alike()
    {
        var (alice, mallory) = (Guid.NewGuid(), Guid.NewGuid());
        var kept = await _host.Database.AddFileAsync(mallory, "kept.txt", cancellationToken: Cancellation);
        await StoreAsync(kept, [(null, "Kept text.")]);
        var failed = await _host.Database.AddFileAsync(mallory, "broken.pdf", status: "failed", cancellationToken: Cancellation);
        var alicesFile = await _host.Database.AddFileAsync(alice, "salaries.xlsx", cancellationToken: Cancellation);
        await StoreAsync(alicesFile, [(null, "Alice earns 91,000 euros.")]);
        var deleted = Guid.NewGuid();
        var attached = await _host.Database.AddFileAsync(mallory, "new.txt", cancellationToken: Cancellation);
        await StoreAsync(attached, [(null, "New text.")]);

        using var response = await _host.PostContextAsync(mallory, new
        {
            fileIds = new[] { attached }, earlierFileIds = new[] { kept, failed, alicesFile, deleted }, query = "salary", maxTokens = 1000, vision = true,
        }, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var context = await ContextApiHost.ReadJsonAsync(response, Cancellation);
        Assert.Equal([kept, attached], context["files"]!.AsArray().Select(f => (Guid)f!["id"]!));
        Assert.Equal(["Kept text.", "New text."], context["passages"]!.AsArray().Select(p => (string)p!["text"]!));
        Assert.Equal([failed, alicesFile, deleted], context["unavailable"]!.AsArray().Select(id => (Guid)id!));
        Assert.DoesNotContain("91,000", context.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("processing")]
    [InlineData("failed")]
    [InlineData("quarantined")]
    public async Task A_file_that_is_not_ready_answers_409_naming_it(string status)
    {
        var user = Guid.NewGuid();
        var ready = await _host.Database.AddFileAsync(user, "ready.txt", cancellationToken: Cancellation);
        var waiting = await _host.Database.AddFileAsync(user, "scan.pdf", status: status, cancellationToken: Cancellation);

        using var response = await _host.PostContextAsync(user, new { fileIds = new[] { ready, waiting }, query = "", maxTokens = 1000, vision = true }, Cancellation);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var detail = (string)(await ContextApiHost.ReadJsonAsync(response, Cancellation))["detail"]!;
        Assert.Contains("'scan.pdf'", detail, StringComparison.Ordinal);
        Assert.Contains(waiting.ToString(), detail, StringComparison.Ordinal);
        Assert.Contains(status, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_a_service_acting_for_a_user_may_ask()
    {
        var user = Guid.NewGuid();
        var file = await _host.Database.AddFileAsync(user, "notes.txt", cancellationToken: Cancellation);
        var body = new { fileIds = new[] { file }, query = "", maxTokens = 1000, vision = true };

        using var anonymous = await PostAsync(null, body);
        using var asUser = await PostAsync(InternalTokens.User(user), body);
        using var asAdmin = await PostAsync(InternalTokens.Admin(user), body);
        using var forNobody = await PostAsync(InternalTokens.Service(), body);
        using var forged = await PostAsync(InternalTokens.Bearer(InternalTokens.Mint("service", user, key: Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)))), body);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asUser.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forNobody.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    [Theory]
    [InlineData("""{"fileIds": [], "query": "q", "maxTokens": 100}""", "fileIds")]
    [InlineData("""{"query": "q", "maxTokens": 100}""", "fileIds")]
    [InlineData("""{"fileIds": ["00000000-0000-0000-0000-000000000000"], "maxTokens": 100}""", "fileIds")]
    [InlineData("""{"fileIds": ["0193a3c0-0000-7000-8000-000000000001"], "query": "q", "maxTokens": 0}""", "maxTokens")]
    [InlineData("""{"fileIds": ["0193a3c0-0000-7000-8000-000000000001"], "query": "q"}""", "maxTokens")]
    public async Task A_bad_request_answers_400_naming_the_field(string json, string field)
    {
        using var client = _host.Client(InternalTokens.Service(Guid.NewGuid()));
        using var response = await client.PostAsync("/v1/files/context", new StringContent(json, System.Text.Encoding.UTF8, "application/json"), Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull((await ContextApiHost.ReadJsonAsync(response, Cancellation))["errors"]![field]);
    }

    [Theory]
    [InlineData("""{"fileIds": "not a list", "maxTokens": 100}""")]
    [InlineData("""{"fileIds": ["not-a-guid"], "maxTokens": 100}""")]
    [InlineData("""{"fileIds": [""")]
    public async Task A_body_that_is_not_the_contract_answers_400(string json)
    {
        using var client = _host.Client(InternalTokens.Service(Guid.NewGuid()));
        using var response = await client.PostAsync("/v1/files/context", new StringContent(json, System.Text.Encoding.UTF8, "application/json"), Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Too_many_files_answer_400_before_any_is_read()
    {
        var ids = Enumerable.Range(0, Ingestion.Apis.FileContextApi.MaxFiles + 1).Select(_ => Guid.NewGuid()).ToArray();

        using var response = await _host.PostContextAsync(Guid.NewGuid(), new { fileIds = ids, query = "", maxTokens = 1000, vision = true }, Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task<HttpResponseMessage> PostAsync(System.Net.Http.Headers.AuthenticationHeaderValue? authorization, object body)
    {
        using var client = _host.Client(authorization);
        return await client.PostAsync("/v1/files/context", System.Net.Http.Json.JsonContent.Create(body), Cancellation);
    }

    private async Task<Guid> AddImageAsync(Guid user, string name, string ocr)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(Png));
        var container = _host.Services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(ContextImages.Container);
        await container.CreateIfNotExistsAsync(cancellationToken: Cancellation);
        await container.GetBlobClient($"{user}/{sha}").UploadAsync(new BinaryData(Png), overwrite: true, Cancellation);
        var image = await _host.Database.AddFileAsync(
            user, name, kind: "image", mediaType: "image/png", blobName: $"files/{user}/{sha}", width: 1, height: 1, sizeBytes: Png.Length,
            cancellationToken: Cancellation);
        await StoreAsync(image, [(1, ocr)]);
        return image;
    }

    private async Task StoreAsync(Guid file, IReadOnlyList<(int? Page, string Text)> texts) =>
        await _host.Database.StoreTextsAsync(file, Embeddings, texts, Cancellation);

    private static (int Source, int? Page, string Text) Passage(JsonNode passage) =>
        ((int)passage["source"]!, (int?)passage["page"], (string)passage["text"]!);
}
