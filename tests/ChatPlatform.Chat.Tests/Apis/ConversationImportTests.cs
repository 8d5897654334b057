using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ChatPlatform.Testing;
using static ChatPlatform.Chat.Tests.ChatServiceHost;

namespace ChatPlatform.Chat.Tests.Apis;

public sealed class ConversationImportTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>
    /// Lisbon: root (null) → hidden system → user → answer → two edits of the next question (a branch): the first leads
    /// through a tool call and its output to an answer, the second (current_node) to another answer. Haiku: a linear
    /// conversation whose user message carries an image.
    /// </summary>
    private static (ChatGptExportFile File, string Selected) RealisticExport()
    {
        var file = new ChatGptExportFile();
        var lisbon = file.Add("Trip to Lisbon");
        var ask = lisbon.User(lisbon.HiddenSystem, "Plan three days in Lisbon.");
        var plan = lisbon.Assistant(ask, "Day 1: Alfama. Day 2: Belém. Day 3: Sintra.");
        var edit1 = lisbon.User(plan, "How far is Sintra by train?");
        var call = lisbon.ToolCall(edit1, "print(40 / 60)");
        var output = lisbon.ToolOutput(call, "0.666");
        lisbon.Assistant(output, "About 40 minutes from Rossio.");
        var edit2 = lisbon.User(plan, "And Cascais?");
        var selected = lisbon.Assistant(edit2, "Cascais is 35 minutes from Cais do Sodré.", model: "gpt-4o-mini");
        lisbon.CurrentNode = selected;

        var haiku = file.Add("Haiku", defaultModel: "gpt-4o-mini");
        var photo = haiku.UserWithImage(haiku.HiddenSystem, "Write a haiku about this photo.");
        var poem = haiku.Assistant(photo, "Tiles catch the late sun", model: "gpt-4o-mini");
        haiku.CurrentNode = poem;
        return (file, selected);
    }

    [Fact]
    public async Task A_ChatGPT_export_imports_with_its_tree_branches_titles_and_selected_leaf()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var (file, _) = RealisticExport();

        using var response = await client.PostAsync("/v1/conversations/import", Json(file.ToJson()), Token);
        var body = await ReadJsonAsync(response, Token);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var imported = body["conversations"]!.AsArray();
        Assert.Equal(["Trip to Lisbon", "Haiku"], imported.Select(c => (string)c!["title"]!));
        // Lisbon keeps user, answer, two edits, the tool call (code, as text) and three answers; the tool output goes.
        Assert.Equal([7, 2], imported.Select(c => (int)c!["messages"]!));
        var notes = body["notes"]!.AsArray().Select(n => (string)n!).ToList();
        Assert.Contains(notes, n => n.StartsWith("Trip to Lisbon: 1 tool messages", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.StartsWith("Haiku: 1 images", StringComparison.Ordinal));

        var lisbonId = Guid.Parse((string)imported[0]!["id"]!);
        var lisbon = await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{lisbonId}", Token);
        var path = lisbon!["messages"]!.AsArray();
        Assert.Equal("Trip to Lisbon", (string?)lisbon["title"]);
        Assert.Equal("gpt-4o", (string?)lisbon["model"]);
        // The selected branch: the second edit and its answer; the root and the hidden system message are not messages.
        Assert.Equal(["user", "assistant", "user", "assistant"], path.Select(m => (string)m!["role"]!));
        Assert.Equal("And Cascais?", (string?)path[2]!["content"]);
        Assert.Equal(2, (int)path[2]!["siblingCount"]!);
        Assert.Equal(1, (int)path[2]!["siblingIndex"]!);
        Assert.Null(path[0]!["parentId"]?.GetValue<string>());
        Assert.Equal("gpt-4o-mini", (string?)path[3]!["model"]);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(ChatGptExportFile.Start + 30.5 * 2), (DateTimeOffset)path[0]!["createdAt"]!);
        Assert.Equal(Guid.Parse((string)path[3]!["id"]!), Guid.Parse((string)lisbon["currentLeafId"]!));

        // The other branch is there too: through the tool call (fenced code) to its answer.
        var other = await client.GetFromJsonAsync<JsonNode>(
            $"/v1/conversations/{lisbonId}/messages/{(string)path[2]!["siblingIds"]![0]!}/path", Token);
        Assert.Equal("How far is Sintra by train?", (string?)other![2]!["content"]);
        var haiku = await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{imported[1]!["id"]}", Token);
        Assert.Equal("Write a haiku about this photo.", (string?)haiku!["messages"]![0]!["content"]);
        Assert.Equal("gpt-4o-mini", (string?)haiku["model"]);

        // The events a conversation written message by message commits: created per question, completed per answer.
        Assert.Equal(4, await host.CountAsync("SELECT count(*) FROM events.events WHERE type = 'chat.message.created'", Token));
        Assert.Equal(5, await host.CountAsync(
            "SELECT count(*) FROM events.events WHERE type = 'chat.message.completed' AND payload->>'status' = 'complete'", Token));
        Assert.Equal(2, await host.CountAsync("SELECT count(*) FROM events.events WHERE type = 'chat.conversation.updated'", Token));
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM events.events WHERE type = 'chat.conversation.updated' AND key = $1 AND payload->>'title' = 'Trip to Lisbon'",
            Token, lisbonId.ToString()));
    }

    [Fact]
    public async Task The_model_to_continue_on_can_be_chosen_and_a_multipart_upload_is_read()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var (file, _) = RealisticExport();
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(Encoding.UTF8.GetBytes(file.ToJson()));
        part.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        form.Add(part, "file", "conversations.json");

        using var response = await client.PostAsync("/v1/conversations/import?model=sim-fast", form, Token);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(2, await host.CountAsync("SELECT count(*) FROM chat.conversations WHERE model = 'sim-fast'", Token));
    }

    [Fact]
    public async Task Our_export_imports_back_as_a_new_conversation_with_the_same_tree_and_organising()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var owner = host.ClientFor(Guid.NewGuid());
        using var other = host.ClientFor(Guid.NewGuid());
        var (file, _) = RealisticExport();
        using var first = await owner.PostAsync("/v1/conversations/import", Json(file.ToJson()), Token);
        var lisbonId = (string)(await ReadJsonAsync(first, Token))["conversations"]![0]!["id"]!;
        var folder = await OrganiseClient.CreateFolderAsync(owner, "Travel");
        await OrganiseClient.CreateFolderAsync(other, "travel");
        await OrganiseClient.PatchAsync(owner, Guid.Parse(lisbonId), $$"""{"folderId":"{{folder}}","tags":["trips"],"starred":true}""");
        var exported = await owner.GetStringAsync($"/v1/conversations/{lisbonId}/export?format=json", Token);

        using var again = await other.PostAsync("/v1/conversations/import", Json(exported), Token);
        var copyId = (string)(await ReadJsonAsync(again, Token))["conversations"]![0]!["id"]!;
        var copy = JsonNode.Parse(await other.GetStringAsync($"/v1/conversations/{copyId}/export?format=json", Token))!;
        var original = JsonNode.Parse(exported)!;

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.NotEqual(lisbonId, copyId);
        Assert.Equal("travel", (string?)copy["folder"]!["name"]);
        Assert.Equal(["trips"], copy["tags"]!.AsArray().Select(t => (string)t!));
        Assert.True((bool)copy["starred"]!);
        Assert.Equal(Shape(original), Shape(copy));
        Assert.Equal(
            original["messages"]!.AsArray().Select(m => (string)m!["id"]!).ToList().IndexOf((string)original["currentLeafId"]!),
            copy["messages"]!.AsArray().Select(m => (string)m!["id"]!).ToList().IndexOf((string)copy["currentLeafId"]!));
    }

    /// <summary>The tree without its ids: each message's role, text, time and the index of its parent.</summary>
    private static List<string> Shape(JsonNode export)
    {
        var messages = export["messages"]!.AsArray();
        var index = messages.Select((m, i) => ((string)m!["id"]!, i)).ToDictionary();
        return [.. messages.Select(m => $"{((string?)m!["parentId"] is { } p ? index[p] : -1)} {m["role"]} {m["createdAt"]} {m["content"]}")];
    }

    [Fact]
    public async Task Our_export_zip_imports_its_conversations_and_ignores_the_rest()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var (file, _) = RealisticExport();
        using var first = await client.PostAsync("/v1/conversations/import", Json(file.ToJson()), Token);
        var ids = (await ReadJsonAsync(first, Token))["conversations"]!.AsArray().Select(c => (string)c!["id"]!).ToList();
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var id in ids)
            {
                var json = await client.GetByteArrayAsync($"/v1/conversations/{id}/export?format=json", Token);
                await using var entry = await archive.CreateEntry($"conversations/{id}.json").OpenAsync(Token);
                await entry.WriteAsync(json, Token);
            }
            await using var markdown = await archive.CreateEntry($"conversations/{ids[0]}.md").OpenAsync(Token);
            await markdown.WriteAsync("# not imported"u8.ToArray(), Token);
        }

        using var response = await client.PostAsync("/v1/conversations/import", new ByteArrayContent(zip.ToArray())
        {
            Headers = { ContentType = new MediaTypeHeaderValue("application/zip") },
        }, Token);
        var body = await ReadJsonAsync(response, Token);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(["Trip to Lisbon", "Haiku"], body["conversations"]!.AsArray().Select(c => (string)c!["title"]!));
        Assert.Equal(4, await host.CountAsync("SELECT count(*) FROM chat.conversations", Token));
        Assert.Equal(18, await host.CountAsync("SELECT count(*) FROM chat.messages", Token));
    }

    public static TheoryData<string> HostileFiles() => new()
    {
        "cycle",
        "unknown parent",
        "deep nesting",
        "not an array",
        "mapping not an object",
        "message not an object",
        "parts not text",
        "bad time",
        "nul",
        "lone surrogate",
        "too many messages",
        "too many conversations",
        "message too long",
        "huge",
        "our unknown version",
        "our parent after child",
        "our duplicate id",
        "our bad role",
        "zip bomb",
        "not json",
        "empty",
    };

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public async Task A_hostile_file_answers_400_problem_details_and_writes_nothing(string kind)
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var (file, _) = RealisticExport();
        var body = HostileBody(kind, file);

        using var response = await client.PostAsync("/v1/conversations/import", body, Token);
        var problem = await response.Content.ReadAsStringAsync(Token);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{kind}: {(int)response.StatusCode} {problem}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"errors\"", problem, StringComparison.Ordinal);
        Assert.Equal(0, await host.CountWritesAsync(Token));
    }

    private static HttpContent HostileBody(string kind, ChatGptExportFile file)
    {
        // The realistic conversations come first, so a refusal proves they were not written either.
        switch (kind)
        {
            case "cycle":
                file.AddRaw(JsonNode.Parse("""
                    {"title":"loop","mapping":{
                      "a":{"id":"a","message":null,"parent":"b","children":["b"]},
                      "b":{"id":"b","message":null,"parent":"a","children":["a"]}},"current_node":"a"}
                    """)!);
                break;
            case "unknown parent":
                file.AddRaw(JsonNode.Parse("""{"title":"x","mapping":{"a":{"id":"a","message":null,"parent":"nowhere","children":[]}}}""")!);
                break;
            case "deep nesting":
                return Json("[" + new string('[', 500) + new string(']', 500) + "]");
            case "not an array":
                return Json("\"conversations\"");
            case "mapping not an object":
                file.AddRaw(JsonNode.Parse("""{"title":"x","mapping":[1,2,3]}""")!);
                break;
            case "message not an object":
                file.AddRaw(JsonNode.Parse("""{"title":"x","mapping":{"a":{"id":"a","message":"hello","parent":null,"children":[]}}}""")!);
                break;
            case "parts not text":
                file.AddRaw(JsonNode.Parse("""
                    {"title":"x","mapping":{"a":{"id":"a","parent":null,"children":[],
                      "message":{"author":{"role":"user"},"content":{"content_type":"text","parts":{"x":1}}}}}}
                    """)!);
                break;
            case "bad time":
                file.AddRaw(JsonNode.Parse("""{"title":"x","create_time":"yesterday","mapping":{}}""")!);
                break;
            case "nul":
                return Json(file.ToJson().Replace("Plan three days", "Plan\\u0000three days", StringComparison.Ordinal));
            case "lone surrogate":
                return Json(file.ToJson().Replace("Plan three days", "Plan\\ud800three days", StringComparison.Ordinal));
            case "too many messages":
                var big = file.Add("Long");
                var parent = big.HiddenSystem;
                for (var i = 0; i < 10_000; i++)
                {
                    parent = big.User(parent, "again");
                }
                break;
            case "too many conversations":
                for (var i = 0; i < 2_000; i++)
                {
                    file.AddRaw(new JsonObject { ["title"] = "x", ["mapping"] = new JsonObject() });
                }
                break;
            case "message too long":
                var longOne = file.Add("Long message");
                longOne.User(longOne.HiddenSystem, new string('a', 100_001));
                break;
            case "huge":
                return Json(file.ToJson().Replace("Plan three days", new string('x', 26 * 1024 * 1024), StringComparison.Ordinal));
            case "our unknown version":
                return Json($$"""{"format":"chatplatform.conversation","version":2,"model":"gpt-4o","messages":[]}""");
            case "our parent after child":
                return Json($$"""
                    {"format":"chatplatform.conversation","version":1,"model":"gpt-4o","messages":[
                      {"id":"{{Guid.NewGuid()}}","parentId":"00000000-0000-0000-0000-000000000001","role":"user","content":"hi"},
                      {"id":"00000000-0000-0000-0000-000000000001","parentId":null,"role":"user","content":"first"}]}
                    """);
            case "our duplicate id":
                return Json("""
                    {"format":"chatplatform.conversation","version":1,"model":"gpt-4o","messages":[
                      {"id":"00000000-0000-0000-0000-000000000001","parentId":null,"role":"user","content":"hi"},
                      {"id":"00000000-0000-0000-0000-000000000001","parentId":null,"role":"user","content":"again"}]}
                    """);
            case "our bad role":
                return Json("""
                    {"format":"chatplatform.conversation","version":1,"model":"gpt-4o","messages":[
                      {"id":"00000000-0000-0000-0000-000000000001","parentId":null,"role":"admin","content":"hi"}]}
                    """);
            case "zip bomb":
                return ZipBomb();
            case "not json":
                return Json("{\"format\": ");
            case "empty":
                return Json("");
        }
        return Json(file.ToJson());
    }

    /// <summary>A few hundred kilobytes that inflate past 100 MB: zeros compress a thousandfold.</summary>
    private static ByteArrayContent ZipBomb()
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = archive.CreateEntry("conversations/bomb.json", CompressionLevel.SmallestSize).Open();
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 101; i++)
            {
                entry.Write(zeros);
            }
        }
        return new ByteArrayContent(zip.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("application/zip") } };
    }
}
