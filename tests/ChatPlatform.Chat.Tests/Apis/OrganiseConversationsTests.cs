using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Testing;
using static ChatPlatform.Chat.Tests.Apis.OrganiseClient;
using static ChatPlatform.Chat.Tests.ChatServiceHost;

namespace ChatPlatform.Chat.Tests.Apis;

public sealed class OrganiseConversationsTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Filing_tagging_starring_and_archiving_change_the_fields_and_write_an_event_but_keep_the_list_order()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var folder = await CreateFolderAsync(client, "Work");
        var older = await CreateConversationAsync(client, "Older");
        var newer = await CreateConversationAsync(client, "Newer");

        var filed = await PatchAsync(client, older, $$"""{"folderId":"{{folder}}","tags":[" Work ","WORK","q3 Plans"]}""");
        await PatchAsync(client, older, """{"title":"Renamed"}""");
        var order = await ListAllAsync(client, "", limit: 10);
        var archived = await PatchAsync(client, newer, """{"archived":true}""");
        var unfiled = await PatchAsync(client, older, """{"folderId":null,"starred":true}""");
        var read = await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{older}", Token);

        Assert.Equal(folder, Guid.Parse((string)filed["folderId"]!));
        Assert.Equal(["q3 plans", "work"], filed["tags"]!.AsArray().Select(t => (string)t!));
        Assert.Equal([newer, older], order);
        Assert.True((bool)archived["archived"]!);
        Assert.NotNull((string?)archived["archivedAt"]);
        Assert.Null(unfiled["folderId"]);
        Assert.True((bool)unfiled["starred"]!);
        Assert.Equal(["q3 plans", "work"], unfiled["tags"]!.AsArray().Select(t => (string)t!));
        Assert.Equal("Renamed", (string?)read!["title"]);
        Assert.True((bool)read["starred"]!);
        Assert.False((bool)read["archived"]!);
        // Creation with a title, then three changes.
        Assert.Equal(4, await host.CountAsync(
            "SELECT count(*) FROM events.events WHERE type = 'chat.conversation.updated' AND key = $1", Token, older.ToString()));
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM events.events WHERE type = 'chat.conversation.updated' AND key = $1 AND payload->>'starred' = 'true' AND payload->'tags' = '[\"q3 plans\",\"work\"]'::jsonb",
            Token, older.ToString()));
        Assert.Equal(0, await host.CountAsync(
            "SELECT count(*) FROM chat.conversations WHERE updated_at <> created_at", Token));
    }

    [Theory]
    [InlineData("""{"tags":[""]}""", "tags")]
    [InlineData("""{"tags":["   "]}""", "tags")]
    [InlineData("""{"tags":["new\nline"]}""", "tags")]
    [InlineData("""{"tags":["TAG_TOO_LONG"]}""", "tags")]
    [InlineData("TOO_MANY_TAGS", "tags")]
    [InlineData("""{"tags":"work"}""", null)]
    [InlineData("""{"starred":"yes"}""", null)]
    [InlineData("""{"archived":1}""", null)]
    [InlineData("""{"folderId":"nope"}""", null)]
    [InlineData("""{"folderId":"00000000-0000-0000-0000-000000000000"}""", "folderId")]
    [InlineData("""{"folderId":"{unknown}"}""", "folderId")]
    public async Task A_bad_field_answers_400_problem_details_and_changes_nothing(string body, string? field)
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client, "Kept");
        await PatchAsync(client, id, """{"tags":["kept"]}""");
        var writesBefore = await host.CountWritesAsync(Token);
        body = body switch
        {
            "TOO_MANY_TAGS" => JsonSerializer(Enumerable.Range(0, 21).Select(i => $"t{i}")),
            _ => body.Replace("TAG_TOO_LONG", new string('t', 41), StringComparison.Ordinal)
                .Replace("{unknown}", Guid.CreateVersion7().ToString(), StringComparison.Ordinal),
        };

        using var response = await client.PatchAsync($"/v1/conversations/{id}", Json(body), Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field is not null)
        {
            Assert.NotNull((await ReadJsonAsync(response, Token))["errors"]![field]);
        }
        Assert.Equal(writesBefore, await host.CountWritesAsync(Token));
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM chat.conversations WHERE tags = '{kept}' AND folder_id IS NULL AND NOT starred AND archived_at IS NULL", Token));
    }

    [Fact]
    public async Task Twenty_tags_of_forty_characters_are_accepted()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client);

        var tagged = await PatchAsync(client, id, JsonSerializer(Enumerable.Range(0, 20).Select(i => $"{i:D2}{new string('t', 38)}")));

        Assert.Equal(20, tagged["tags"]!.AsArray().Count);
    }

    [Fact]
    public async Task Starred_conversations_come_first_and_archived_ones_only_when_asked()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var ids = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await CreateConversationAsync(client, $"Chat {i}"));
        }
        await PatchAsync(client, ids[1], """{"starred":true}""");
        await PatchAsync(client, ids[3], """{"starred":true}""");
        await PatchAsync(client, ids[4], """{"archived":true}""");
        await PatchAsync(client, ids[0], """{"archived":true,"starred":true}""");

        var listed = await ListAllAsync(client, "");
        var archived = await ListAllAsync(client, "archived=true");
        var starred = await ListAllAsync(client, "starred=true", limit: 1);
        var unstarred = await ListAllAsync(client, "starred=false&archived=false");

        Assert.Equal([ids[3], ids[1], ids[5], ids[2]], listed);
        Assert.Equal([ids[0], ids[4]], archived);
        Assert.Equal([ids[3], ids[1]], starred);
        Assert.Equal([ids[5], ids[2]], unstarred);
    }

    [Fact]
    public async Task Each_filter_narrows_the_list_and_pages_stay_complete_and_in_order()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        using var other = host.ClientFor(Guid.NewGuid());
        var work = await CreateFolderAsync(client, "Work");
        var expectedInWork = new List<Guid>();
        var all = new List<Guid>();
        var day = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 12; i++)
        {
            var id = await CreateConversationAsync(client, $"Chat {i}", model: i % 3 == 0 ? "claude-sonnet" : "gpt-4o");
            all.Add(id);
            if (i % 2 == 0)
            {
                await PatchAsync(client, id, $$"""{"folderId":"{{work}}","tags":["{{(i % 4 == 0 ? "alpha" : "beta")}}"]}""");
                expectedInWork.Add(id);
            }
            // One conversation a day, the latest activity last; two of them on the same instant, ordered by id.
            await host.ScalarAsync("UPDATE chat.conversations SET updated_at = $2 WHERE id = $1", Token, id, day.AddDays(i == 11 ? 10 : i));
        }
        await PatchAsync(client, all[6], """{"starred":true}""");
        // Noise another user owns, in the same shape.
        var foreign = await CreateConversationAsync(other, "Other", model: "claude-sonnet");
        await PatchAsync(other, foreign, """{"tags":["alpha"]}""");
        var newestFirst = Enumerable.Reverse(all).ToList();
        // all[6] is pinned: first wherever it is listed.
        List<Guid> Expected(Func<Guid, bool> keep) =>
            [.. newestFirst.Where(id => id == all[6] && keep(id)), .. newestFirst.Where(id => id != all[6] && keep(id))];

        Assert.Equal(Expected(expectedInWork.Contains), await ListAllAsync(client, $"folder={work}"));
        Assert.Equal(Expected(id => !expectedInWork.Contains(id)), await ListAllAsync(client, "folder=none"));
        Assert.Equal(Expected(id => all.IndexOf(id) % 4 == 0), await ListAllAsync(client, "tag=ALPHA"));
        Assert.Equal(Expected(id => all.IndexOf(id) % 3 == 0), await ListAllAsync(client, "model=claude-sonnet", limit: 1));
        Assert.Equal(Expected(id => all.IndexOf(id) is >= 2 and <= 5), await ListAllAsync(client, "from=2026-03-03&to=2026-03-06"));
        Assert.Equal(Expected(id => all.IndexOf(id) is >= 2 and < 5), await ListAllAsync(client, "from=2026-03-03T00:00:00Z&to=2026-03-06T00:00:00%2B00:00"));
        Assert.Equal(Expected(id => all.IndexOf(id) is 0 or 4 or 8), await ListAllAsync(client, $"folder={work}&tag=alpha&to=2026-03-10"));
        Assert.Equal([all[6]], await ListAllAsync(client, $"folder={work}&starred=true"));
        Assert.Empty(await ListAllAsync(client, "tag=nothing"));
    }

    [Theory]
    [InlineData("folder=nope")]
    [InlineData("folder=00000000-0000-0000-0000-000000000000")]
    [InlineData("tag=")]
    [InlineData("model=")]
    [InlineData("from=yesterday")]
    [InlineData("from=2026-13-01")]
    [InlineData("from=2026-03-01T10:00:00")]
    [InlineData("from=2026-03-05&to=2026-03-01")]
    [InlineData("starred=yes")]
    [InlineData("archived=1")]
    [InlineData("limit=ten")]
    public async Task A_bad_filter_answers_400_problem_details_naming_it(string query)
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());

        using var response = await client.GetAsync($"/v1/conversations?{query}", Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ReadJsonAsync(response, Token);
        var name = query.Contains("&to=", StringComparison.Ordinal) ? "to" : query[..query.IndexOf('=', StringComparison.Ordinal)];
        Assert.NotNull(problem["errors"]![name]);
    }

    [Fact]
    public async Task Tags_are_listed_with_the_number_of_conversations_carrying_each()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        using var other = host.ClientFor(Guid.NewGuid());
        var a = await CreateConversationAsync(client);
        var b = await CreateConversationAsync(client);
        var gone = await CreateConversationAsync(client);
        await PatchAsync(client, a, """{"tags":["work","ideas"]}""");
        await PatchAsync(client, b, """{"tags":["work"],"archived":true}""");
        await PatchAsync(client, gone, """{"tags":["secret"]}""");
        using (await client.DeleteAsync($"/v1/conversations/{gone}", Token))
        {
        }
        await PatchAsync(other, await CreateConversationAsync(other), """{"tags":["work","theirs"]}""");

        var tags = await client.GetFromJsonAsync<JsonNode>("/v1/tags", Token);

        Assert.Equal(
            [("ideas", 1), ("work", 2)],
            tags!["items"]!.AsArray().Select(t => ((string)t!["tag"]!, (int)t["count"]!)));
    }

    [Fact]
    public async Task Bulk_actions_change_every_named_conversation_each_with_its_event()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var folder = await CreateFolderAsync(client, "Work");
        var ids = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await CreateConversationAsync(client, $"Chat {i}"));
        }
        await PatchAsync(client, ids[0], """{"tags":["keep","old"]}""");
        var some = new[] { ids[0], ids[1], ids[2] };

        Assert.Equal(HttpStatusCode.OK, await BulkAsync(client, new { ids = some, action = "move", folderId = folder }));
        Assert.Equal(HttpStatusCode.OK, await BulkAsync(client, new { ids = some, action = "tag", tags = new[] { "New", "keep" } }));
        Assert.Equal(HttpStatusCode.OK, await BulkAsync(client, new { ids = some, action = "untag", tags = new[] { "OLD" } }));
        Assert.Equal(HttpStatusCode.OK, await BulkAsync(client, new { ids = new[] { ids[0], ids[1] }, action = "star" }));
        Assert.Equal(HttpStatusCode.OK, await BulkAsync(client, new { ids = new[] { ids[1] }, action = "unstar" }));
        Assert.Equal(HttpStatusCode.OK, await BulkAsync(client, new { ids = new[] { ids[1], ids[2], ids[2] }, action = "archive" }));
        Assert.Equal(HttpStatusCode.OK, await BulkAsync(client, new { ids = new[] { ids[2] }, action = "unarchive" }));
        Assert.Equal(HttpStatusCode.OK, await BulkAsync(client, new { ids = new[] { ids[3] }, action = "move", folderId = (Guid?)null }));

        Assert.Equal([ids[0], ids[2]], await ListAllAsync(client, $"folder={folder}"));
        Assert.Equal([ids[1]], await ListAllAsync(client, $"folder={folder}&archived=true"));
        Assert.Equal([ids[0]], await ListAllAsync(client, "starred=true"));
        Assert.Equal(3, await host.CountAsync("SELECT count(*) FROM chat.conversations WHERE tags = '{keep,new}'", Token));
        // Four creations with titles, then the changes.
        Assert.Equal(4 + 3 + 3 + 3 + 2 + 1 + 2 + 1 + 1 + 1, await host.CountAsync(
            "SELECT count(*) FROM events.events WHERE type = 'chat.conversation.updated'", Token));

        Assert.Equal(HttpStatusCode.OK, await BulkAsync(client, new { ids = new[] { ids[0], ids[3] }, action = "delete" }));
        Assert.Equal([ids[2]], await ListAllAsync(client, ""));
        Assert.Equal(2, await host.CountAsync("SELECT count(*) FROM events.events WHERE type = 'chat.conversation.deleted'", Token));
    }

    [Fact]
    public async Task A_bulk_action_naming_one_conversation_not_the_callers_answers_404_and_changes_nothing()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        using var other = host.ClientFor(Guid.NewGuid());
        var mine = await CreateConversationAsync(client, "Mine");
        var deleted = await CreateConversationAsync(client, "Deleted");
        using (await client.DeleteAsync($"/v1/conversations/{deleted}", Token))
        {
        }
        var theirs = await CreateConversationAsync(other, "Theirs");
        var writesBefore = await host.CountWritesAsync(Token);

        foreach (var action in new[] { "move", "tag", "untag", "archive", "unarchive", "star", "unstar", "delete" })
        {
            object body = action is "tag" or "untag"
                ? new { ids = new[] { mine, theirs }, action, tags = new[] { "x" } }
                : new { ids = new[] { mine, theirs }, action };
            Assert.Equal(HttpStatusCode.NotFound, await BulkAsync(client, body));
            Assert.Equal(HttpStatusCode.NotFound, await BulkAsync(client, new { ids = new[] { mine, deleted }, action = "star" }));
            Assert.Equal(HttpStatusCode.NotFound, await BulkAsync(client, new { ids = new[] { Guid.CreateVersion7() }, action = "archive" }));
        }

        Assert.Equal(writesBefore, await host.CountWritesAsync(Token));
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM chat.conversations WHERE deleted_at IS NULL AND tags = '{}' AND NOT starred AND archived_at IS NULL AND folder_id IS NULL AND title = 'Theirs'", Token));
        Assert.Equal([mine], await ListAllAsync(client, ""));
    }

    [Theory]
    [InlineData("""{"ids":[],"action":"star"}""", "ids")]
    [InlineData("""{"action":"star"}""", "ids")]
    [InlineData("TOO_MANY_IDS", "ids")]
    [InlineData("""{"ids":["{id}"],"action":"explode"}""", "action")]
    [InlineData("""{"ids":["{id}"],"action":"3"}""", "action")]
    [InlineData("""{"ids":["{id}"],"action":"star,delete"}""", "action")]
    [InlineData("""{"ids":["{id}"]}""", "action")]
    [InlineData("""{"ids":["{id}"],"action":"tag"}""", "tags")]
    [InlineData("""{"ids":["{id}"],"action":"tag","tags":[" "]}""", "tags")]
    [InlineData("""{"ids":["{id}"],"action":"star","tags":["x"]}""", "tags")]
    [InlineData("""{"ids":["{id}"],"action":"star","folderId":"{id}"}""", "folderId")]
    [InlineData("""{"ids":["{id}"],"action":"move","folderId":"{unknown}"}""", "folderId")]
    [InlineData("""{"ids":["{id}"],"action":"tag","tags":["t1","t2","t3","t4","t5","t6","t7","t8","t9","t10","t11","t12","t13","t14","t15","t16","t17","t18","t19"]}""", "tags")]
    [InlineData("""{"ids":["nope"],"action":"star"}""", null)]
    public async Task A_bad_bulk_request_answers_400_problem_details_and_changes_nothing(string body, string? field)
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client);
        await PatchAsync(client, id, """{"tags":["a","b"]}""");
        var writesBefore = await host.CountWritesAsync(Token);
        body = body == "TOO_MANY_IDS"
            ? JsonSerializer(Enumerable.Range(0, 201).Select(_ => id), "ids", """, "action":"star" """)
            : body.Replace("{id}", id.ToString(), StringComparison.Ordinal).Replace("{unknown}", Guid.CreateVersion7().ToString(), StringComparison.Ordinal);

        using var response = await client.PostAsync("/v1/conversations/bulk", Json(body), Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field is not null)
        {
            Assert.NotNull((await ReadJsonAsync(response, Token))["errors"]![field]);
        }
        Assert.Equal(writesBefore, await host.CountWritesAsync(Token));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM chat.conversations WHERE tags = '{a,b}' AND NOT starred", Token));
    }

    [Fact]
    public async Task Another_users_conversation_answers_404_to_organising_and_changes_nothing()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var owner = host.ClientFor(Guid.NewGuid());
        using var stranger = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(owner, "Private");
        var writesBefore = await host.CountWritesAsync(Token);

        foreach (var body in new[] { """{"starred":true}""", """{"archived":true}""", """{"tags":["mine"]}""", """{"folderId":null}""" })
        {
            using var response = await stranger.PatchAsync($"/v1/conversations/{id}", Json(body), Token);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        var tags = await stranger.GetFromJsonAsync<JsonNode>("/v1/tags", Token);

        Assert.Equal(writesBefore, await host.CountWritesAsync(Token));
        Assert.Empty(tags!["items"]!.AsArray());
    }

    /// <summary>A body with <paramref name="values"/> as the array <paramref name="property"/>, and <paramref name="rest"/> after it.</summary>
    private static string JsonSerializer<T>(IEnumerable<T> values, string property = "tags", string rest = "") =>
        $$"""{"{{property}}":{{System.Text.Json.JsonSerializer.Serialize(values)}}{{rest}}}""";
}
