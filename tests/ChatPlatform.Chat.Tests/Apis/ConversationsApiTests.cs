using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Testing;
using static ChatPlatform.Chat.Tests.ChatServiceHost;

namespace ChatPlatform.Chat.Tests.Apis;

public sealed class ConversationsApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Creating_a_conversation_answers_201_with_its_location_and_it_reads_back()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());

        using var created = await client.PostAsync("/v1/conversations", Json("""{"model":"gpt-4o","systemPrompt":"Be brief.","title":"Plans"}"""), Token);
        var body = await ReadJsonAsync(created, Token);
        var read = await client.GetFromJsonAsync<JsonNode>(created.Headers.Location, Token);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(7, Guid.Parse((string)body["id"]!).Version);
        Assert.Equal("gpt-4o", (string?)read!["model"]);
        Assert.Equal("Be brief.", (string?)read["systemPrompt"]);
        Assert.Equal("Plans", (string?)read["title"]);
        Assert.Empty(read["messages"]!.AsArray());
    }

    [Fact]
    public async Task Listing_pages_through_the_users_conversations_newest_first()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        using var other = host.ClientFor(Guid.NewGuid());
        var created = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            created.Add(await CreateConversationAsync(client, $"Chat {i}"));
        }
        await CreateConversationAsync(other, "Not yours");

        var seen = new List<Guid>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonNode>(
                "/v1/conversations?limit=2" + (cursor is null ? "" : $"&cursor={cursor}"), Token);
            seen.AddRange(page!["items"]!.AsArray().Select(c => Guid.Parse((string)c!["id"]!)));
            cursor = (string?)page["nextCursor"];
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Reverse(created), seen);
    }

    [Fact]
    public async Task A_new_message_moves_its_conversation_to_the_top_of_the_list()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var older = await CreateConversationAsync(client);
        await CreateConversationAsync(client);

        await AppendAsync(client, older, "Back to this one");
        var page = await client.GetFromJsonAsync<JsonNode>("/v1/conversations", Token);

        Assert.Equal(older, Guid.Parse((string)page!["items"]![0]!["id"]!));
        Assert.Null(page["nextCursor"]);
    }

    [Fact]
    public async Task Renaming_or_changing_the_model_keeps_the_conversations_place_in_the_list()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var older = await CreateConversationAsync(client, "Older");
        var newer = await CreateConversationAsync(client, "Newer");

        using var renamed = await client.PatchAsync($"/v1/conversations/{older}", Json("""{"title":"Renamed"}"""), Token);
        using var remodelled = await client.PatchAsync($"/v1/conversations/{older}", Json("""{"model":"claude-sonnet","systemPrompt":"Terse."}"""), Token);
        var page = await client.GetFromJsonAsync<JsonNode>("/v1/conversations", Token);

        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, remodelled.StatusCode);
        Assert.Equal([newer, older], page!["items"]!.AsArray().Select(c => Guid.Parse((string)c!["id"]!)));
        Assert.Equal("Renamed", (string?)page["items"]![1]!["title"]);
    }

    [Fact]
    public async Task Renaming_changes_only_the_fields_sent()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client, "Old title");

        using var renamed = await client.PatchAsync($"/v1/conversations/{id}", Json("""{"title":"New title"}"""), Token);
        using var remodelled = await client.PatchAsync($"/v1/conversations/{id}", Json("""{"model":"claude-sonnet","systemPrompt":"Terse."}"""), Token);
        var read = await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{id}", Token);

        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, remodelled.StatusCode);
        Assert.Equal("New title", (string?)read!["title"]);
        Assert.Equal("claude-sonnet", (string?)read["model"]);
        Assert.Equal("Terse.", (string?)read["systemPrompt"]);
    }

    [Fact]
    public async Task Deleting_a_conversation_removes_it_and_its_messages()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client);
        await AppendAsync(client, id, "One");
        await AppendAsync(client, id, "Two");

        using var deleted = await client.DeleteAsync($"/v1/conversations/{id}", Token);
        using var read = await client.GetAsync($"/v1/conversations/{id}", Token);
        using var again = await client.DeleteAsync($"/v1/conversations/{id}", Token);
        var page = await client.GetFromJsonAsync<JsonNode>("/v1/conversations", Token);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Empty(page!["items"]!.AsArray());
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.messages WHERE conversation_id = $1", Token, id));
    }

    [Fact]
    public async Task A_message_without_a_parent_continues_the_current_leaf()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client);

        using var response = await client.PostAsync($"/v1/conversations/{id}/messages", Json("""{"content":"Hello"}"""), Token);
        var first = await ReadJsonAsync(response, Token);
        var second = await AppendAsync(client, id, "And then");
        var read = await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{id}", Token);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("user", (string?)first["role"]);
        Assert.Equal("complete", (string?)first["status"]);
        Assert.Equal(Id(first), Guid.Parse((string)second["parentId"]!));
        Assert.Equal(Id(second), Guid.Parse((string)read!["currentLeafId"]!));
        Assert.Equal(["Hello", "And then"], Contents(read["messages"]!));
    }

    [Fact]
    public async Task Editing_a_message_starts_a_sibling_branch_numbered_among_its_siblings()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client);
        var first = await AppendAsync(client, id, "First");
        await AppendAsync(client, id, "Second");

        await AppendAsync(client, id, "Second, edited", Id(first));
        await AppendAsync(client, id, "Second, edited again", Id(first));
        var read = await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{id}", Token);
        var path = read!["messages"]!.AsArray();

        Assert.Equal(["First", "Second, edited again"], Contents(path));
        Assert.Equal((0, 1), Siblings(path[0]!));
        Assert.Equal((2, 3), Siblings(path[1]!));
    }

    [Fact]
    public async Task Editing_the_first_message_starts_a_second_root()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client);
        await AppendAsync(client, id, "First");
        await AppendAsync(client, id, "Second");

        using var response = await client.PostAsync($"/v1/conversations/{id}/messages", Json("""{"content":"First, edited","parentId":null}"""), Token);
        var read = await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{id}", Token);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(["First, edited"], Contents(read!["messages"]!));
        Assert.Equal((1, 2), Siblings(read["messages"]![0]!));
    }

    [Fact]
    public async Task Selecting_a_branch_moves_the_leaf_to_its_latest_descendant()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client);
        var root = await AppendAsync(client, id, "Root");
        var a = await AppendAsync(client, id, "A");
        await AppendAsync(client, id, "A.1");
        await AppendAsync(client, id, "A.2", Id(a));
        await AppendAsync(client, id, "A.2.x");
        await AppendAsync(client, id, "B", Id(root));

        using var toA = await client.PutAsync($"/v1/conversations/{id}/leaf", Json($$"""{"messageId":"{{Id(a)}}"}"""), Token);
        var selected = await ReadJsonAsync(toA, Token);
        var read = await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{id}", Token);
        var continued = await AppendAsync(client, id, "After A.2.x");

        Assert.Equal(HttpStatusCode.OK, toA.StatusCode);
        Assert.Equal(["Root", "A", "A.2", "A.2.x"], Contents(selected["messages"]!));
        Assert.Equal(["Root", "A", "A.2", "A.2.x"], Contents(read!["messages"]!));
        Assert.Equal((1, 2), Siblings(read["messages"]![2]!));
        Assert.Equal("A.2.x", Contents(read["messages"]!)[^1]);
        Assert.Equal(Guid.Parse((string)read["messages"]![3]!["id"]!), Guid.Parse((string)continued["parentId"]!));
    }

    [Fact]
    public async Task Reading_a_path_gives_the_messages_from_the_root_to_the_message()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client);
        await AppendAsync(client, id, "One");
        var two = await AppendAsync(client, id, "Two");
        await AppendAsync(client, id, "Three");

        var path = await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{id}/messages/{Id(two)}/path", Token);

        Assert.Equal(["One", "Two"], Contents(path!));
        Assert.Null(path![0]!["parentId"]);
    }

    [Fact]
    public async Task Appending_a_message_writes_its_event_in_the_same_transaction()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client);
        var otherConversation = await CreateConversationAsync(client);
        var foreign = await AppendAsync(client, otherConversation, "Elsewhere");

        var first = await AppendAsync(client, id, "One");
        await AppendAsync(client, id, "Two");
        using var refused = await client.PostAsync(
            $"/v1/conversations/{id}/messages", Json($$"""{"content":"Three","parentId":"{{Id(foreign)}}"}"""), Token);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(2, await host.CountAsync(
            "SELECT count(*) FROM events.events WHERE key = $1 AND type = 'chat.message.created'", Token, id.ToString()));
        Assert.Equal(2, await host.CountAsync("SELECT count(*) FROM chat.messages WHERE conversation_id = $1", Token, id));
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM events.events WHERE key = $1 AND payload->>'messageId' = $2", Token, id.ToString(), Id(first).ToString()));
    }

    [Fact]
    public async Task Another_users_conversation_and_message_ids_answer_404_on_every_endpoint()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var owner = host.ClientFor(Guid.NewGuid());
        using var stranger = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(owner);
        var message = await AppendAsync(owner, id, "Private");
        var writesBefore = await host.CountWritesAsync(Token);

        HttpRequestMessage[] requests =
        [
            new(HttpMethod.Get, $"/v1/conversations/{id}"),
            new(HttpMethod.Patch, $"/v1/conversations/{id}") { Content = Json("""{"title":"Mine now"}""") },
            new(HttpMethod.Delete, $"/v1/conversations/{id}"),
            new(HttpMethod.Post, $"/v1/conversations/{id}/messages") { Content = Json("""{"content":"Hi"}""") },
            new(HttpMethod.Put, $"/v1/conversations/{id}/leaf") { Content = Json($$"""{"messageId":"{{Id(message)}}"}""") },
            new(HttpMethod.Get, $"/v1/conversations/{id}/messages/{Id(message)}/path"),
        ];
        foreach (var request in requests)
        {
            using (request)
            using (var response = await stranger.SendAsync(request, Token))
            {
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{request.Method} {request.RequestUri}: {response.StatusCode}");
            }
        }
        var page = await stranger.GetFromJsonAsync<JsonNode>("/v1/conversations", Token);

        Assert.Empty(page!["items"]!.AsArray());
        Assert.Equal(writesBefore, await host.CountWritesAsync(Token));
        Assert.Equal("Private", Contents((await owner.GetFromJsonAsync<JsonNode>($"/v1/conversations/{id}", Token))!["messages"]!)[0]);
    }

    [Fact]
    public async Task A_message_of_another_users_conversation_is_not_found_through_ones_own_conversation()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var owner = host.ClientFor(Guid.NewGuid());
        using var stranger = host.ClientFor(Guid.NewGuid());
        var message = await AppendAsync(owner, await CreateConversationAsync(owner), "Private");
        var own = await CreateConversationAsync(stranger);

        using var path = await stranger.GetAsync($"/v1/conversations/{own}/messages/{Id(message)}/path", Token);
        using var unknown = await stranger.GetAsync($"/v1/conversations/{Guid.CreateVersion7()}", Token);

        Assert.Equal(HttpStatusCode.NotFound, path.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Concurrent_edits_of_one_message_get_distinct_sibling_numbers()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client);
        var root = await AppendAsync(client, id, "Root");

        var edits = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => AppendAsync(client, id, $"Edit {i}", Id(root))));

        Assert.Equal(Enumerable.Range(0, 10), edits.Select(e => (int)e["siblingIndex"]!).Order());
        Assert.Equal(11, await host.CountAsync(
            "SELECT count(*) FROM events.events WHERE key = $1 AND type = 'chat.message.created'", Token, id.ToString()));
    }

    public static TheoryData<string> Forgeries => ["none", "x-user-id", "other-key", "expired", "user-token-issuer", "wrong-audience", "unsigned", "not-a-jwt"];

    /// <summary>What a neighbour on the internal network could send instead of the gateway's internal token.</summary>
    private static void Forge(HttpClient client, string forgery, Guid victim)
    {
        var otherKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var header = forgery switch
        {
            "x-user-id" => null,
            "other-key" => InternalTokens.Bearer(InternalTokens.Mint("user", victim, key: otherKey)),
            "expired" => InternalTokens.Bearer(InternalTokens.Mint("user", victim, issuedAt: DateTime.UtcNow.AddMinutes(-10))),
            // A user's access token from the gateway has its own issuer and audience.
            "user-token-issuer" => InternalTokens.Bearer(InternalTokens.Mint("user", victim, issuer: "chatplatform", audience: "chatplatform")),
            "wrong-audience" => InternalTokens.Bearer(InternalTokens.Mint("user", victim, audience: "someone-else")),
            "unsigned" => InternalTokens.Bearer(new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(
                $$"""{"sub":"{{victim}}","role":"user","iss":"chatplatform-internal","aud":"chatplatform-services","exp":{{DateTimeOffset.UtcNow.AddMinutes(2).ToUnixTimeSeconds()}}}""")),
            "not-a-jwt" => InternalTokens.Bearer("not-a-jwt"),
            _ => null,
        };
        client.DefaultRequestHeaders.Authorization = header;
        if (forgery == "x-user-id")
        {
            client.DefaultRequestHeaders.Add("X-User-Id", victim.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task Requests_without_a_valid_internal_token_answer_401_problem_details_and_see_nothing(string forgery)
    {
        await using var host = await StartAsync(postgres, redis, Token);
        var victim = Guid.NewGuid();
        using var owner = host.ClientFor(victim);
        var id = await CreateConversationAsync(owner, "Mine");
        using var client = host.ClientFor(null);
        Forge(client, forgery, victim);
        var writes = await host.CountWritesAsync(Token);

        using var list = await client.GetAsync("/v1/conversations", Token);
        using var get = await client.GetAsync($"/v1/conversations/{id}", Token);
        using var create = await client.PostAsync("/v1/conversations", Json("""{"model":"gpt-4o"}"""), Token);

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized],
            [list.StatusCode, get.StatusCode, create.StatusCode]);
        Assert.Equal("application/problem+json", create.Content.Headers.ContentType?.MediaType);
        Assert.Equal(writes, await host.CountWritesAsync(Token));
    }

    [Fact]
    public async Task A_service_token_acting_for_nobody_is_refused_403()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(null);
        client.DefaultRequestHeaders.Authorization = InternalTokens.Service();

        using var list = await client.GetAsync("/v1/conversations", Token);

        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        Assert.Equal("application/problem+json", list.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("POST", "", """{"model":""")]
    [InlineData("POST", "", """{"model":42}""")]
    [InlineData("POST", "", """{}""")]
    [InlineData("POST", "", """{"model":"has spaces"}""")]
    [InlineData("POST", "", "MODEL_TOO_LONG")]
    [InlineData("POST", "", "TITLE_TOO_LONG")]
    [InlineData("PATCH", "/{id}", """{}""")]
    [InlineData("PATCH", "/{id}", """{"title":["x"]}""")]
    [InlineData("POST", "/{id}/messages", """{"content":""}""")]
    [InlineData("POST", "/{id}/messages", """{"content":"   "}""")]
    [InlineData("POST", "/{id}/messages", """{"content":7}""")]
    [InlineData("POST", "/{id}/messages", """{"content":"Hi","parentId":"nope"}""")]
    [InlineData("POST", "/{id}/messages", """{"content":"Hi","parentId":"{unknown}"}""")]
    [InlineData("POST", "/{id}/messages", """{"content":"Hi","parentId":"{foreign}"}""")]
    [InlineData("POST", "/{id}/messages", "CONTENT_TOO_LONG")]
    [InlineData("POST", "/{id}/messages", """not json""")]
    [InlineData("PUT", "/{id}/leaf", """{}""")]
    [InlineData("PUT", "/{id}/leaf", """{"messageId":"{unknown}"}""")]
    [InlineData("PUT", "/{id}/leaf", """{"messageId":"{foreign}"}""")]
    [InlineData("GET", "?limit=0", null)]
    [InlineData("GET", "?limit=abc", null)]
    [InlineData("GET", "?cursor=not-a-cursor", null)]
    [InlineData("GET", "?cursor=../../", null)]
    [InlineData("GET", "?cursor=%25%25", null)]
    public async Task Invalid_input_answers_400_problem_details_and_writes_nothing(string method, string path, string? body)
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client);
        var otherConversation = await CreateConversationAsync(client);
        var foreign = await AppendAsync(client, otherConversation, "Elsewhere");
        var writesBefore = await host.CountWritesAsync(Token);
        body = body switch
        {
            "MODEL_TOO_LONG" => $$"""{"model":"{{new string('m', 101)}}"}""",
            "TITLE_TOO_LONG" => $$"""{"model":"gpt-4o","title":"{{new string('t', 201)}}"}""",
            "CONTENT_TOO_LONG" => $$"""{"content":"{{new string('c', 100_001)}}"}""",
            _ => body?.Replace("{unknown}", Guid.CreateVersion7().ToString(), StringComparison.Ordinal)
                .Replace("{foreign}", Id(foreign).ToString(), StringComparison.Ordinal),
        };

        using var request = new HttpRequestMessage(new HttpMethod(method), "/v1/conversations" + path.Replace("{id}", id.ToString(), StringComparison.Ordinal))
        {
            Content = body is null ? null : Json(body),
        };
        using var response = await client.SendAsync(request, Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(writesBefore, await host.CountWritesAsync(Token));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM chat.messages", Token));
    }

    [Fact]
    public async Task Content_of_exactly_the_limit_is_accepted()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client);

        var message = await AppendAsync(client, id, new string('c', 100_000));

        Assert.Equal(100_000, ((string)message["content"]!).Length);
    }

    [Fact]
    public async Task Appending_a_message_costs_one_round_trip()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client);
        var first = await AppendAsync(client, id, "Warm up");
        using var recorder = new SqlRecorder(host.Database);

        recorder.Start();
        using var response = await client.PostAsync($"/v1/conversations/{id}/messages", Json("""{"content":"Beside it","parentId":null}"""), Token);
        var roundTrips = recorder.Stop();
        var sibling = await ReadJsonAsync(response, Token);

        // One batch locks the conversation, writes the message as a turn's start does, writes its event and commits.
        Assert.True(roundTrips.Count == 1, $"{roundTrips.Count} round trips:\n" + string.Join("\n---\n", roundTrips));
        Assert.Contains("FOR UPDATE", roundTrips[0], StringComparison.Ordinal);
        Assert.Contains("pg_notify", roundTrips[0], StringComparison.Ordinal);
        Assert.EndsWith("COMMIT", roundTrips[0].TrimEnd(), StringComparison.Ordinal);
        Assert.Equal((0, 1), ((int)first["siblingIndex"]!, (int)sibling["siblingIndex"]!));
    }

    [Fact]
    public async Task A_nul_character_in_any_text_is_a_400_naming_the_field_and_nothing_is_written()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await CreateConversationAsync(client, "Kept");
        var refused = new (HttpMethod Method, string Path, string Body, string Field)[]
        {
            (HttpMethod.Post, "/v1/conversations", """{"model":"gpt-4o","title":"a\u0000b"}""", "title"),
            (HttpMethod.Post, "/v1/conversations", """{"model":"gpt-4o","systemPrompt":"\u0000"}""", "systemPrompt"),
            (HttpMethod.Post, "/v1/conversations", """{"model":"gpt\u00004o"}""", "model"),
            (HttpMethod.Patch, $"/v1/conversations/{id}", """{"title":"x\u0000"}""", "title"),
            (HttpMethod.Patch, $"/v1/conversations/{id}", """{"systemPrompt":"x\u0000"}""", "systemPrompt"),
            (HttpMethod.Patch, $"/v1/conversations/{id}", """{"model":"x\u0000"}""", "model"),
            (HttpMethod.Post, $"/v1/conversations/{id}/messages", """{"content":"Hello\u0000"}""", "content"),
            (HttpMethod.Post, $"/v1/conversations/{id}/turns", """{"content":"Hello\u0000"}""", "content"),
            (HttpMethod.Get, "/v1/conversations?cursor=%00", "", "cursor"),
        };

        foreach (var (method, path, body, field) in refused)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body.Length == 0 ? null : Json(body) };
            using var response = await client.SendAsync(request, Token);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {path} {body}: {(int)response.StatusCode}");
            var problem = await ReadJsonAsync(response, Token);
            Assert.StartsWith($"'{field}' contains a NUL character", (string?)problem["detail"], StringComparison.Ordinal);
            Assert.NotNull(problem["errors"]![field]);
        }

        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM chat.conversations", Token));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM chat.conversations WHERE title = 'Kept' AND system_prompt IS NULL AND model = 'gpt-4o'", Token));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.messages", Token));
    }

    private static async Task<Guid> CreateConversationAsync(HttpClient client, string? title = null)
    {
        using var response = await client.PostAsJsonAsync("/v1/conversations", new { model = "gpt-4o", title }, Token);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return Id(await ReadJsonAsync(response, Token));
    }

    private static async Task<JsonNode> AppendAsync(HttpClient client, Guid conversationId, string content, Guid? parentId = null)
    {
        using var response = await client.PostAsync($"/v1/conversations/{conversationId}/messages",
            JsonContent.Create(parentId is null ? (object)new { content } : new { content, parentId }), Token);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await ReadJsonAsync(response, Token);
    }

    private static Guid Id(JsonNode node) => Guid.Parse((string)node["id"]!);

    private static string[] Contents(JsonNode path) => [.. path.AsArray().Select(m => (string)m!["content"]!)];

    private static (int Index, int Count) Siblings(JsonNode message) => ((int)message["siblingIndex"]!, (int)message["siblingCount"]!);
}
