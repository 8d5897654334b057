using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.Testing;
using ChatPlatform.Testing.Servers;
using static ChatPlatform.Chat.Tests.ChatServiceHost;
using static ChatPlatform.Chat.Tests.TurnStreams;

namespace ChatPlatform.Chat.Tests.Apis;

/// <summary>A turn's files (docs/turns.md, docs/files.md): asked of a fake ingestion over real HTTP, sent to the model, cited.</summary>
public sealed class TurnFilesTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A PNG's signature and IHDR chunk (3×2 pixels): what the simulator and the fakes read of it.</summary>
    public static readonly byte[] Png =
    [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R',
        0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0, 0x12, 0x34, 0x56, 0x78,
    ];

    private static Task<ChatServiceHost> StartHostAsync(PostgresFixture postgres, RedisFixture redis, FakeModelRouter router, Uri ingestion) =>
        StartAsync(postgres, redis, Token, router.BaseAddress,
            new Dictionary<string, string> { ["services:ingestion:http:0"] = ingestion.ToString().TrimEnd('/') });

    [Fact]
    public async Task Files_reach_the_model_as_numbered_passages_and_image_parts_and_the_cited_sources_are_stored()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var ingestion = await FakeIngestion.StartAsync(Token);
        await using var host = await StartHostAsync(postgres, redis, router, ingestion.BaseAddress);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var report = ingestion.AddDocument(userId, "report.pdf", "Introduction.", "Revenue grew 12% in the third quarter.");
        var photo = ingestion.AddImage(userId, "photo.png", Png, "A CHART");
        router.Tokens = ["Revenue grew 12% ", "[2]", ", as [9] does not say;", " see [1, 2]."];
        var conversationId = await TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.VisionModel, "Be brief.");

        using var response = await PostTurnAsync(client, conversationId, $$"""{"content":"How did revenue do?","fileIds":["{{report}}","{{photo}}"]}""", Token);
        var events = await ReadAllAsync(response, Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Ingestion was asked for both files, the question as the query, half the model's budget, images as images.
        var asked = Assert.Single(ingestion.Requests);
        Assert.Equal([report.ToString(), photo.ToString()], asked["fileIds"]!.AsArray().Select(f => (string)f!));
        Assert.Equal("How did revenue do?", (string?)asked["query"]);
        Assert.Equal((32_768 - 4_096) / 2, (int)asked["maxTokens"]!);
        Assert.True((bool)asked["vision"]!);
        Assert.Equal(0, ingestion.Unauthorized);

        // The model got the system prompt, the numbered passages, and the question with the image as a content part.
        var sent = Assert.Single(router.StreamRequests)["messages"]!.AsArray();
        Assert.Equal(["system", "system", "user"], sent.Select(m => (string)m!["role"]!));
        Assert.Equal("Be brief.", (string?)sent[0]!["content"]);
        var sources = (string)sent[1]!["content"]!;
        Assert.Contains("[1] report.pdf, page 1:\nIntroduction.\n\n[2] report.pdf, page 2:\nRevenue grew 12% in the third quarter.", sources, StringComparison.Ordinal);
        Assert.Contains("cite", sources, StringComparison.Ordinal);
        var parts = sent[2]!["content"]!.AsArray();
        Assert.Equal(["text", "image_url"], parts.Select(p => (string)p!["type"]!));
        Assert.Equal("How did revenue do?", (string?)parts[0]!["text"]);
        Assert.Equal($"data:image/png;base64,{Convert.ToBase64String(Png)}", (string?)parts[1]!["image_url"]!["url"]);

        // The question carries its attachments; the answer the sources it cited, in the order cited, [9] (no source) left out.
        var started = events[0].Data;
        Assert.Empty(started["notices"]!.AsArray());
        var attachments = started["userMessage"]!["attachments"]!.AsArray();
        Assert.Equal([$"{report}|report.pdf|application/pdf|document", $"{photo}|photo.png|image/png|image"],
            attachments.Select(a => $"{a!["id"]}|{a["name"]}|{a["mediaType"]}|{a["kind"]}"));
        Assert.Empty(started["assistantMessage"]!["citations"]!.AsArray());
        var done = events[^1].Data["message"]!;
        Assert.Equal("done", events[^1].Type);
        string[] expected = [$"2|{report}|report.pdf|2", $"1|{report}|report.pdf|1"];
        Assert.Equal(expected, Citations(done));

        // Stored: the files with the question, the citations with the answer, and both in the conversation's GET.
        var questionId = Guid.Parse((string)started["userMessage"]!["id"]!);
        Assert.Equal(2, await host.CountAsync("SELECT count(*) FROM chat.message_files WHERE message_id = $1 AND user_id = $2", Token, questionId, userId));
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM chat.message_files WHERE message_id = $1 AND ordinal = 2 AND file_id = $2 AND kind = 'image'", Token, questionId, photo));
        var path = (await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{conversationId}", Token))!["messages"]!.AsArray();
        Assert.Equal(attachments.ToJsonString(), path[0]!["attachments"]!.ToJsonString());
        Assert.Empty(path[0]!["citations"]!.AsArray());
        Assert.Equal(expected, Citations(path[1]!));
        Assert.Empty(path[1]!["attachments"]!.AsArray());

        // Deleting the conversation deletes what its messages attached with them.
        using var deleted = await client.DeleteAsync($"/v1/conversations/{conversationId}", Token);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.message_files WHERE user_id = $1", Token, userId));
    }

    public static IEnumerable<string> Citations(JsonNode message) =>
        message["citations"]!.AsArray().Select(c => $"{c!["source"]}|{c["fileId"]}|{c["fileName"]}|{c["page"]}");

    [Theory]
    [InlineData("unknown", 404, "was not found")]
    [InlineData("another user's", 404, "was not found")]
    [InlineData("processing", 409, "report.pdf is still being processed")]
    [InlineData("ingestion down", 503, "nothing was written")]
    [InlineData("ingestion breaks the contract", 503, "nothing was written")]
    public async Task A_file_ingestion_cannot_give_refuses_the_turn_before_anything_is_written(string file, int status, string detail)
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var ingestion = await FakeIngestion.StartAsync(Token);
        // Down: nothing listens where chat looks for ingestion.
        var address = file == "ingestion down" ? new Uri($"http://127.0.0.1:{FreePort.Next()}") : ingestion.BaseAddress;
        await using var host = await StartHostAsync(postgres, redis, router, address);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var ready = ingestion.AddDocument(userId, "ready.pdf", "Fine.");
        ingestion.BreakContract = file == "ingestion breaks the contract";
        var fileId = file switch
        {
            "unknown" => Guid.NewGuid(),
            "another user's" => ingestion.AddDocument(Guid.NewGuid(), "secret.pdf", "Not yours."),
            "processing" => ingestion.AddProcessing(userId, "report.pdf"),
            _ => ingestion.AddDocument(userId, "other.pdf", "Also fine."),
        };
        var conversationId = await TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);
        var writes = await host.CountWritesAsync(Token);

        using var response = await PostTurnAsync(client, conversationId, $$"""{"content":"Summarize","fileIds":["{{ready}}","{{fileId}}"]}""", Token);
        var problem = await ReadJsonAsync(response, Token);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, (string?)problem["detail"], StringComparison.Ordinal);
        Assert.DoesNotContain("Not yours", problem.ToJsonString(), StringComparison.Ordinal);
        if (status == 404)
        {
            Assert.Contains(fileId.ToString(), (string?)problem["detail"], StringComparison.Ordinal);
        }
        Assert.Equal(writes, await host.CountWritesAsync(Token));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.message_files", Token));
        Assert.Empty(router.StreamRequests);
    }

    [Fact]
    public async Task A_model_without_vision_gets_the_images_text_as_a_passage_and_the_turn_says_so()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var ingestion = await FakeIngestion.StartAsync(Token);
        await using var host = await StartHostAsync(postgres, redis, router, ingestion.BaseAddress);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var photo = ingestion.AddImage(userId, "photo.png", Png, "TOTAL 42 EUR");
        var conversationId = await TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);

        using var response = await PostTurnAsync(client, conversationId, $$"""{"content":"What is the total?","fileIds":["{{photo}}"]}""", Token);
        var events = await ReadAllAsync(response, Token);

        Assert.False((bool)Assert.Single(ingestion.Requests)["vision"]!);
        var sent = Assert.Single(router.StreamRequests)["messages"]!.AsArray();
        Assert.Equal(["system", "user"], sent.Select(m => (string)m!["role"]!));
        Assert.Contains("[1] photo.png:\nTOTAL 42 EUR", (string)sent[0]!["content"]!, StringComparison.Ordinal);
        Assert.Equal("What is the total?", (string?)sent[1]!["content"]);
        Assert.Equal(["photo.png was sent as its text: Sim Fast cannot see images."], events[0].Data["notices"]!.AsArray().Select(n => (string)n!));
        Assert.Equal("image", (string?)events[0].Data["userMessage"]!["attachments"]![0]!["kind"]);
        Assert.Equal("done", events[^1].Type);
    }

    [Fact]
    public async Task A_follow_up_after_an_earlier_file_was_deleted_goes_on_without_it_and_says_so()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var ingestion = await FakeIngestion.StartAsync(Token);
        await using var host = await StartHostAsync(postgres, redis, router, ingestion.BaseAddress);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var report = ingestion.AddDocument(userId, "report.pdf", "Revenue grew.");
        var notes = ingestion.AddDocument(userId, "notes.pdf", "Costs fell.");
        var conversationId = await TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.VisionModel);
        using var first = await PostTurnAsync(client, conversationId, $$"""{"content":"First","fileIds":["{{report}}","{{notes}}"]}""", Token);
        Assert.Equal("done", (await ReadAllAsync(first, Token))[^1].Type);

        ingestion.Delete(report);
        using var second = await PostTurnAsync(client, conversationId, """{"content":"And then?"}""", Token);
        var events = await ReadAllAsync(second, Token);

        Assert.Equal("done", events[^1].Type);
        Assert.Equal(["report.pdf is no longer available and was not sent."], events[0].Data["notices"]!.AsArray().Select(n => (string)n!));
        var system = (string)router.StreamRequests.ToArray()[1]["messages"]!.AsArray()[0]!["content"]!;
        Assert.Contains("notes.pdf, page 1:\nCosts fell.", system, StringComparison.Ordinal);
        Assert.DoesNotContain("Revenue grew.", system, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_follow_up_still_sends_the_earlier_files_and_regenerate_and_edit_keep_them()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var ingestion = await FakeIngestion.StartAsync(Token);
        await using var host = await StartHostAsync(postgres, redis, router, ingestion.BaseAddress);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var report = ingestion.AddDocument(userId, "report.pdf", "Revenue grew.");
        var photo = ingestion.AddImage(userId, "photo.png", Png, "A CHART");
        var conversationId = await TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.VisionModel);

        using var first = await PostTurnAsync(client, conversationId, $$"""{"content":"First","fileIds":["{{report}}","{{photo}}"]}""", Token);
        Assert.Equal("done", (await ReadAllAsync(first, Token))[^1].Type);
        using var second = await PostTurnAsync(client, conversationId, """{"content":"And then?"}""", Token);
        var secondEvents = await ReadAllAsync(second, Token);

        // The follow-up attaches nothing itself, yet the model still gets the passages and, on the first question, the image.
        Assert.Empty(secondEvents[0].Data["userMessage"]!["attachments"]!.AsArray());
        var followUp = ingestion.Requests.ToArray()[1];
        Assert.Empty(followUp["fileIds"]!.AsArray());
        Assert.Equal([report.ToString(), photo.ToString()], followUp["earlierFileIds"]!.AsArray().Select(f => (string)f!));
        Assert.Equal("And then?", (string?)followUp["query"]);
        var sent = router.StreamRequests.ToArray()[1]["messages"]!.AsArray();
        Assert.Equal(["system", "user", "assistant", "user"], sent.Select(m => (string)m!["role"]!));
        Assert.Contains("[1] report.pdf, page 1:\nRevenue grew.", (string)sent[0]!["content"]!, StringComparison.Ordinal);
        Assert.Equal("image_url", (string?)sent[1]!["content"]![1]!["type"]);
        Assert.Equal("And then?", (string?)sent[3]!["content"]);

        // Regenerating the first answer: its question's files again, its question the query.
        var firstAnswer = (string)(await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{conversationId}", Token))!["messages"]![1]!["id"]!;
        using var regenerated = await OpenAsync(client,
            new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversationId}/messages/{firstAnswer}/regenerate"), Token);
        Assert.Equal("done", (await ReadAllAsync(regenerated, Token))[^1].Type);
        var regenerate = ingestion.Requests.ToArray()[2];
        Assert.Equal([report.ToString(), photo.ToString()], regenerate["earlierFileIds"]!.AsArray().Select(f => (string)f!));
        Assert.Equal("First", (string?)regenerate["query"]);
        var resent = router.StreamRequests.ToArray()[2]["messages"]!.AsArray();
        Assert.Equal(["system", "user"], resent.Select(m => (string)m!["role"]!));
        Assert.Equal("image_url", (string?)resent[1]!["content"]![1]!["type"]);

        // Editing the first question without naming files keeps them; naming none drops them (and asks ingestion nothing).
        using var edited = await PostTurnAsync(client, conversationId, """{"content":"First, edited","parentId":null}""", Token);
        var editedEvents = await ReadAllAsync(edited, Token);
        Assert.Equal([report.ToString(), photo.ToString()],
            editedEvents[0].Data["userMessage"]!["attachments"]!.AsArray().Select(a => (string)a!["id"]!));
        Assert.Equal("First, edited", (string?)ingestion.Requests.ToArray()[3]["query"]);
        using var bare = await PostTurnAsync(client, conversationId, """{"content":"First, bare","parentId":null,"fileIds":[]}""", Token);
        var bareEvents = await ReadAllAsync(bare, Token);
        Assert.Empty(bareEvents[0].Data["userMessage"]!["attachments"]!.AsArray());
        Assert.Equal(4, ingestion.Requests.Count);
        Assert.Equal(["user"], router.StreamRequests.ToArray()[^1]["messages"]!.AsArray().Select(m => (string)m!["role"]!));
    }

    [Theory]
    [InlineData("eleven")]
    [InlineData("repeated")]
    [InlineData("empty uuid")]
    [InlineData("not a uuid")]
    public async Task Too_many_repeated_or_malformed_file_ids_are_a_400_and_nothing_is_written(string fileIds)
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var ingestion = await FakeIngestion.StartAsync(Token);
        await using var host = await StartHostAsync(postgres, redis, router, ingestion.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);
        var id = Guid.NewGuid();
        var ids = fileIds switch
        {
            "eleven" => string.Join(',', Enumerable.Range(0, 11).Select(_ => $"\"{Guid.NewGuid()}\"")),
            "repeated" => $"\"{id}\",\"{id}\"",
            "empty uuid" => $"\"{Guid.Empty}\"",
            _ => "\"nope\"",
        };
        var writes = await host.CountWritesAsync(Token);

        using var response = await PostTurnAsync(client, conversationId, $$"""{"content":"Hi","fileIds":[{{ids}}]}""", Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(writes, await host.CountWritesAsync(Token));
        Assert.Empty(ingestion.Requests);
    }

    [Fact]
    public async Task Files_are_attached_with_a_turn_not_with_a_bare_message()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);

        using var response = await client.PostAsync($"/v1/conversations/{conversationId}/messages",
            Json($$"""{"content":"Hi","fileIds":["{{Guid.NewGuid()}}"]}"""), Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await ReadJsonAsync(response, Token))["errors"]!["fileIds"]);
    }
}
