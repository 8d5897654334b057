using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.Identity;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using static ChatPlatform.Chat.Tests.ChatServiceHost;
using static ChatPlatform.Chat.Tests.TurnStreams;

namespace ChatPlatform.Chat.Tests.Apis;

public sealed class TurnsApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_turn_streams_numbered_events_and_commits_the_answer_with_its_usage_event()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel, "Be brief.");

        using var response = await PostTurnAsync(client, conversationId, """{"content":"Hi there"}""", Token);
        var events = await ReadAllAsync(response, Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Id));
        Assert.Equal(["turn.started", .. router.Tokens.Select(_ => "delta"), "done"], events.Select(e => e.Type));
        var started = events[0].Data;
        Assert.Equal("Hi there", (string?)started["userMessage"]!["content"]);
        Assert.Equal("streaming", (string?)started["assistantMessage"]!["status"]);
        Assert.Equal(router.Answer, Text(events));
        var done = events[^1].Data;
        var messageId = Guid.Parse((string)done["message"]!["id"]!);
        Assert.Equal(router.Answer, (string?)done["message"]!["content"]);
        Assert.Equal("complete", (string?)done["message"]!["status"]);
        Assert.Equal("stop", (string?)done["finishReason"]);
        Assert.Equal(router.Tokens.Count, (int)done["usage"]!["outputTokens"]!);
        Assert.Equal("fake-1", (string?)done["usage"]!["deployment"]);
        // docs/turns.md's Usage, exactly.
        Assert.Equal(
            ["costUsd", "deployment", "estimated", "inputTokens", "model", "outputTokens", "provider", "timeToFirstTokenMs"],
            done["usage"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));

        // The system prompt leads what the model was sent, then the question.
        var sent = Assert.Single(router.StreamRequests)["messages"]!.AsArray();
        Assert.Equal(["system:Be brief.", "user:Hi there"], sent.Select(m => $"{m!["role"]}:{m["content"]}"));
        Assert.True(Assert.Single(router.StreamRequests)["stream_options"]!["include_usage"]!.GetValue<bool>());

        // Committed: the message with its usage columns, and the usage event for the same message.
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM chat.messages WHERE id = $1 AND status = 'complete' AND content = $2 AND output_tokens = $3 AND cost_usd = $4 " +
            "AND deployment = 'fake-1' AND finish_reason = 'stop' AND last_event_id = $5",
            Token, messageId, router.Answer, (long)router.Tokens.Count, FakeModelRouter.CostUsd, (long)events.Count));
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM events.events WHERE type = 'usage.recorded' AND key = $1 AND payload->>'messageId' = $2 " +
            "AND payload->>'source' = 'chat' AND (payload->>'outputTokens')::int = $3 AND payload->>'deployment' = 'fake-1' " +
            "AND payload->>'status' = 'complete'",
            Token, userId.ToString(), messageId.ToString(), router.Tokens.Count));
        var conversation = await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{conversationId}", Token);
        Assert.Equal(messageId, Guid.Parse((string)conversation!["currentLeafId"]!));
        // The answer shows what it cost; the question, which cost nothing by itself, shows none.
        var path = conversation["messages"]!.AsArray();
        Assert.Equal((FakeModelRouter.CostUsd, false), ((decimal)path[^1]!["costUsd"]!, (bool)path[^1]!["usageEstimated"]!));
        Assert.Null(path[0]!["costUsd"]);

        // Chat signs its own calls to the router: a service token, acting for the user whose turn it is.
        Assert.All(router.Callers, call => Assert.Equal("service", call.Role));
        var completions = router.Callers.Where(call => call.Path == "/v1/chat/completions").ToList();
        Assert.NotEmpty(completions);
        Assert.All(completions, call => Assert.Equal(userId.ToString(), call.Subject));
    }

    [Fact]
    public async Task A_model_the_users_tier_may_not_use_is_refused_before_anything_is_written()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var (free, pro) = (Guid.NewGuid(), Guid.NewGuid());
        using var freeClient = host.ClientFor(free);
        freeClient.DefaultRequestHeaders.Authorization = InternalTokens.Bearer(InternalTokens.Mint(InternalRoles.User, free, tier: "free"));
        using var proClient = host.ClientFor(pro);
        proClient.DefaultRequestHeaders.Authorization = InternalTokens.Bearer(InternalTokens.Mint(InternalRoles.User, pro, tier: "pro"));
        var freeConversation = await CreateConversationAsync(freeClient, FakeModelRouter.ProModel);
        var proConversation = await CreateConversationAsync(proClient, FakeModelRouter.ProModel);

        using var refused = await PostTurnAsync(freeClient, freeConversation, """{"content":"Hi there"}""", Token);
        using var served = await PostTurnAsync(proClient, proConversation, """{"content":"Hi there"}""", Token);
        var events = await ReadAllAsync(served, Token);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("not available on the free tier", await refused.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.messages WHERE user_id = $1", Token, free));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("done", events[^1].Type);
    }

    [Fact]
    public async Task Tokens_that_come_together_share_a_delta_and_the_deltas_carry_the_whole_answer()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        // A window longer than the fake router takes for the whole answer: the first token alone, then the rest at once.
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress,
            new Dictionary<string, string> { ["Turns:DeltaWindow"] = "00:00:05" });
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);

        using var response = await PostTurnAsync(client, conversationId, """{"content":"Hi there"}""", Token);
        var events = await ReadAllAsync(response, Token);

        Assert.True(router.Tokens.Count > 2);
        Assert.Equal(["turn.started", "delta", "delta", "done"], events.Select(e => e.Type));
        Assert.Equal(router.Tokens[0], (string?)events[1].Data["text"]);
        Assert.Equal(router.Answer, Text(events));
        Assert.Equal(router.Answer, (string?)events[^1].Data["message"]!["content"]);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Id));
    }

    [Fact]
    public async Task A_NUL_from_the_model_is_dropped_so_that_the_answer_can_be_saved()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        router.Tokens = ["Hel\0lo", " world"];
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);

        using var response = await PostTurnAsync(client, conversationId, """{"content":"Hi there"}""", Token);
        var events = await ReadAllAsync(response, Token);

        Assert.Equal("done", events[^1].Type);
        Assert.Equal("Hello world", Text(events));
        var messageId = (string)events[^1].Data["message"]!["id"]!;
        Assert.Equal("Hello world", await host.ScalarAsync("SELECT content FROM chat.messages WHERE id = $1", Token, Guid.Parse(messageId)));
    }

    [Fact]
    public async Task Editing_a_message_and_regenerating_an_answer_make_siblings()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);

        using var first = await PostTurnAsync(client, conversationId, """{"content":"First question"}""", Token);
        var firstEvents = await ReadAllAsync(first, Token);
        using var edited = await PostTurnAsync(client, conversationId, """{"content":"Edited question","parentId":null}""", Token);
        var editedEvents = await ReadAllAsync(edited, Token);
        var editedAnswer = (string)editedEvents[^1].Data["message"]!["id"]!;
        using var regenerated = await OpenAsync(client,
            new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversationId}/messages/{editedAnswer}/regenerate"), Token);
        var regeneratedEvents = await ReadAllAsync(regenerated, Token);

        Assert.Equal("done", firstEvents[^1].Type);
        Assert.Equal(1, (int)editedEvents[0].Data["userMessage"]!["siblingIndex"]!);
        Assert.Null(editedEvents[0].Data["userMessage"]!["parentId"]);
        Assert.Null(regeneratedEvents[0].Data["userMessage"]);
        var newAnswer = regeneratedEvents[0].Data["assistantMessage"]!;
        Assert.Equal(1, (int)newAnswer["siblingIndex"]!);
        Assert.Equal((string?)editedEvents[0].Data["userMessage"]!["id"], (string?)newAnswer["parentId"]);
        Assert.Equal("done", regeneratedEvents[^1].Type);
        var path = (await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{conversationId}", Token))!["messages"]!.AsArray();
        Assert.Equal(["Edited question", router.Answer], path.Select(m => (string)m!["content"]!));
        Assert.All(path, m => Assert.Equal(2, (int)m!["siblingCount"]!));
        // Each navigator lists its siblings in order: the first answer, then the regenerated one.
        Assert.Equal([editedAnswer, (string)newAnswer["id"]!], path[1]!["siblingIds"]!.AsArray().Select(id => (string)id!));
        Assert.Equal((string?)editedEvents[0].Data["userMessage"]!["id"], (string?)path[0]!["siblingIds"]![1]);
        // The regenerated answer was asked the edited question only, not the first branch.
        Assert.Equal(["user:Edited question"], router.StreamRequests.Last()["messages"]!.AsArray().Select(m => $"{m!["role"]}:{m["content"]}"));
    }

    [Fact]
    public async Task Context_trimming_keeps_the_system_prompt_and_drops_the_oldest_turns()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        // "tiny": a 300-token window with 50 kept for the answer.
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.TinyModel, "You are terse.");
        var questions = Enumerable.Range(1, 5).Select(i => $"Question {i} " + new string('x', 200)).ToList();

        foreach (var question in questions)
        {
            using var response = await PostTurnAsync(client, conversationId, $$"""{"content":"{{question}}"}""", Token);
            Assert.Equal("done", (await ReadAllAsync(response, Token))[^1].Type);
        }

        var sent = router.StreamRequests.Last()["messages"]!.AsArray().Select(m => (Role: (string)m!["role"]!, Content: (string)m["content"]!)).ToList();
        Assert.Equal(("system", "You are terse."), sent[0]);
        Assert.Equal(("user", questions[^1]), sent[^1]);
        Assert.DoesNotContain(sent, m => m.Content == questions[0]);
        Assert.Contains(sent, m => m.Content == questions[^2]);
        // What was kept is a suffix of the conversation: nothing in the middle was skipped.
        var kept = sent.Skip(1).Where(m => m.Role == "user").Select(m => m.Content).ToList();
        Assert.Equal(questions.TakeLast(kept.Count), kept);
    }

    [Fact]
    public async Task Stopping_a_stream_keeps_the_partial_answer()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        router.HoldAfter(3);

        using var response = await PostTurnAsync(client, conversationId, """{"content":"Tell me a story"}""", Token);
        await using var events = ReadAsync(response, Token).GetAsyncEnumerator(Token);
        var firstFour = await ReadFirstAsync(events, 4);
        var messageId = (string)firstFour[0].Data["assistantMessage"]!["id"]!;
        using var stop = await client.PostAsync($"/v1/conversations/{conversationId}/messages/{messageId}/stop", null, Token);
        var rest = new List<SseEvent>();
        while (await events.MoveNextAsync())
        {
            rest.Add(events.Current);
        }
        using var stopAgain = await client.PostAsync($"/v1/conversations/{conversationId}/messages/{messageId}/stop", null, Token);

        var partial = string.Concat(router.Tokens.Take(3));
        Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        var done = Assert.Single(rest);
        Assert.Equal("done", done.Type);
        Assert.Equal(5, done.Id);
        Assert.Equal("stopped", (string?)done.Data["finishReason"]);
        Assert.Equal("stopped", (string?)done.Data["message"]!["status"]);
        Assert.Equal(partial, (string?)done.Data["message"]!["content"]);
        await router.StreamAborted.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM chat.messages WHERE id = $1 AND status = 'stopped' AND content = $2 AND finish_reason = 'stopped'",
            Token, Guid.Parse(messageId), partial));
        // A cut answer is still accounted, estimated.
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM events.events WHERE type = 'usage.recorded' AND payload->>'messageId' = $1 AND (payload->>'estimated')::bool " +
            "AND payload->>'status' = 'stopped'",
            Token, messageId));
        Assert.Equal(HttpStatusCode.Conflict, stopAgain.StatusCode);
        Assert.Equal("application/problem+json", stopAgain.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_stream_does_not_stop_the_answer()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        router.HoldAfter(2);

        string messageId;
        using (var response = await PostTurnAsync(client, conversationId, """{"content":"Long answer please"}""", Token))
        {
            await using var events = ReadAsync(response, Token).GetAsyncEnumerator(Token);
            var read = await ReadFirstAsync(events, 3);
            messageId = (string)read[0].Data["assistantMessage"]!["id"]!;
        }
        router.Release();

        var status = await Eventually.GetAsync(
            () => host.ScalarAsync("SELECT status FROM chat.messages WHERE id = $1", Token, Guid.Parse(messageId)), s => (string?)s != "streaming", Token);
        Assert.Equal("complete", status);
        Assert.Equal(router.Answer, await host.ScalarAsync("SELECT content FROM chat.messages WHERE id = $1", Token, Guid.Parse(messageId)));
        Assert.False(router.StreamAborted.Task.IsCompleted);
    }

    [Fact]
    public async Task Resuming_on_a_second_instance_replays_the_missed_events_then_tails_the_live_ones()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var first = await StartAsync(postgres, redis, Token, router.BaseAddress);
        await using var second = Start(first.Database, redis.ConnectionString, router.BaseAddress);
        var userId = Guid.NewGuid();
        using var firstClient = first.ClientFor(userId);
        using var secondClient = second.ClientFor(userId);
        var conversationId = await CreateConversationAsync(firstClient, FakeModelRouter.FastModel);
        router.HoldAfter(3);

        using var original = await PostTurnAsync(firstClient, conversationId, """{"content":"Resume me"}""", Token);
        await using var originalEvents = ReadAsync(original, Token).GetAsyncEnumerator(Token);
        // The client saw events 1 and 2, then lost its connection.
        var seen = await ReadFirstAsync(originalEvents, 2);
        var messageId = (string)seen[0].Data["assistantMessage"]!["id"]!;
        await router.Holding.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/conversations/{conversationId}/messages/{messageId}/events");
        request.Headers.Add("Last-Event-ID", "2");
        using var resumed = await OpenAsync(secondClient, request, Token);
        await using var resumedEvents = ReadAsync(resumed, Token).GetAsyncEnumerator(Token);
        var missed = await ReadFirstAsync(resumedEvents, 2);
        router.Release();
        var live = new List<SseEvent>();
        while (await resumedEvents.MoveNextAsync())
        {
            live.Add(resumedEvents.Current);
        }

        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal([3L, 4L], missed.Select(e => e.Id));
        Assert.Equal([router.Tokens[1], router.Tokens[2]], missed.Select(e => (string)e.Data["text"]!));
        var all = seen.Concat(missed).Concat(live).ToList();
        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), all.Select(e => e.Id));
        Assert.Equal("done", all[^1].Type);
        Assert.Equal(router.Answer, Text(all));
        Assert.Equal(router.Answer, (string?)all[^1].Data["message"]!["content"]);
    }

    [Fact]
    public async Task Resuming_after_the_redis_stream_is_gone_answers_the_final_event_from_postgres()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        using var response = await PostTurnAsync(client, conversationId, """{"content":"Remember this"}""", Token);
        var events = await ReadAllAsync(response, Token);
        var messageId = Guid.Parse((string)events[^1].Data["message"]!["id"]!);
        var redisConnection = host.Services.GetRequiredService<IConnectionMultiplexer>();
        Assert.True(await redisConnection.GetDatabase().KeyDeleteAsync(TurnEventStream.KeyFor(messageId)));

        using var fromStart = await OpenAsync(client,
            new HttpRequestMessage(HttpMethod.Get, $"/v1/conversations/{conversationId}/messages/{messageId}/events?lastEventId=1"), Token);
        var rebuilt = await ReadAllAsync(fromStart, Token);
        using var afterEnd = await OpenAsync(client,
            new HttpRequestMessage(HttpMethod.Get, $"/v1/conversations/{conversationId}/messages/{messageId}/events?lastEventId={events[^1].Id}"), Token);
        var nothing = await ReadAllAsync(afterEnd, Token);

        var done = Assert.Single(rebuilt);
        Assert.Equal(events[^1].Id, done.Id);
        Assert.Equal("done", done.Type);
        Assert.Equal(router.Answer, (string?)done.Data["message"]!["content"]);
        Assert.Equal(events[^1].Data["usage"]!.ToJsonString(), done.Data["usage"]!.ToJsonString());
        Assert.Equal("stop", (string?)done.Data["finishReason"]);
        Assert.Empty(nothing);
    }

    [Fact]
    public async Task A_router_failure_before_the_first_token_ends_the_stream_with_an_error_and_the_message_failed()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        router.FailWithStatus = 503;

        using var response = await PostTurnAsync(client, conversationId, """{"content":"Anyone there?"}""", Token);
        var events = await ReadAllAsync(response, Token);

        Assert.Equal(["turn.started", "error"], events.Select(e => e.Type));
        var error = events[1].Data;
        Assert.Equal("provider_unavailable", (string?)error["code"]);
        Assert.Equal("The upstream provider is unavailable.", (string?)error["detail"]);
        Assert.Equal("failed", (string?)error["message"]!["status"]);
        var messageId = Guid.Parse((string)error["message"]!["id"]!);
        Assert.Equal("failed", await host.ScalarAsync("SELECT status FROM chat.messages WHERE id = $1", Token, messageId));
        // Nothing generated, no usage reported: nothing to bill.
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM events.events WHERE type = 'usage.recorded'", Token));
        // The question was committed before the model was called.
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM chat.messages WHERE role = 'user' AND content = 'Anyone there?'", Token));
    }

    [Fact]
    public async Task A_router_failure_mid_stream_keeps_the_partial_text_and_marks_the_message_failed()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        router.FailAfterTokens = 2;

        using var response = await PostTurnAsync(client, conversationId, """{"content":"Go on"}""", Token);
        var events = await ReadAllAsync(response, Token);

        Assert.Equal(["turn.started", "delta", "delta", "error"], events.Select(e => e.Type));
        Assert.Equal("provider_error", (string?)events[^1].Data["code"]);
        Assert.Equal(string.Concat(router.Tokens.Take(2)), (string?)events[^1].Data["message"]!["content"]);
        Assert.Equal("failed", (string?)events[^1].Data["message"]!["status"]);
    }

    [Fact]
    public async Task Another_users_ids_answer_404_on_every_turn_endpoint()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var owner = host.ClientFor(Guid.NewGuid());
        using var stranger = host.ClientFor(Guid.NewGuid());
        var conversationId = await CreateConversationAsync(owner, FakeModelRouter.FastModel);
        router.HoldAfter(1);
        using var turn = await PostTurnAsync(owner, conversationId, """{"content":"Mine"}""", Token);
        await using var events = ReadAsync(turn, Token).GetAsyncEnumerator(Token);
        var messageId = (string)(await ReadFirstAsync(events, 1))[0].Data["assistantMessage"]!["id"]!;
        var writes = await host.CountWritesAsync(Token);

        var answers = new List<HttpStatusCode>();
        foreach (var (c, m) in new[] { (conversationId.ToString(), messageId), (Guid.NewGuid().ToString(), Guid.NewGuid().ToString()) })
        {
            using var post = await stranger.PostAsync($"/v1/conversations/{c}/turns", Json("""{"content":"Not yours"}"""), Token);
            using var regenerate = await stranger.PostAsync($"/v1/conversations/{c}/messages/{m}/regenerate", null, Token);
            using var resume = await stranger.GetAsync($"/v1/conversations/{c}/messages/{m}/events", Token);
            using var stop = await stranger.PostAsync($"/v1/conversations/{c}/messages/{m}/stop", null, Token);
            answers.AddRange([post.StatusCode, regenerate.StatusCode, resume.StatusCode, stop.StatusCode]);
        }

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.NotFound, status));
        Assert.Equal(writes, await host.CountWritesAsync(Token));
        // The stranger's stop did not stop it.
        router.Release();
        var rest = new List<SseEvent>();
        while (await events.MoveNextAsync())
        {
            rest.Add(events.Current);
        }
        Assert.Equal("complete", (string?)rest[^1].Data["message"]!["status"]);
    }

    [Theory]
    [InlineData("""{"content":""}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"content":"ok","parentId":"not-a-uuid"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"content":"ok","parentId":"0196f7a2-0000-7000-8000-000000000000"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"content":""", HttpStatusCode.BadRequest)]
    [InlineData("""[1, 2]""", HttpStatusCode.BadRequest)]
    public async Task Malformed_bodies_answer_400_problem_details_and_write_nothing(string body, HttpStatusCode expected)
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        var writes = await host.CountWritesAsync(Token);

        using var response = await client.PostAsync($"/v1/conversations/{conversationId}/turns", Json(body), Token);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(writes, await host.CountWritesAsync(Token));
        Assert.Empty(router.StreamRequests);
    }

    [Fact]
    public async Task Oversized_bodies_and_unknown_models_are_refused_before_anything_is_written()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        var unknownModel = await CreateConversationAsync(client, "no-such-model");
        var writes = await host.CountWritesAsync(Token);

        using var tooLong = await client.PostAsync($"/v1/conversations/{conversationId}/turns",
            Json($$"""{"content":"{{new string('a', 100_001)}}"}"""), Token);
        using var huge = await client.PostAsync($"/v1/conversations/{conversationId}/turns",
            Json($$"""{"content":"{{new string('a', 2_000_000)}}"}"""), Token);
        using var unknown = await client.PostAsync($"/v1/conversations/{unknownModel}/turns", Json("""{"content":"Hello"}"""), Token);

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("content", (await ReadJsonAsync(tooLong, Token))["errors"]!.AsObject().Select(e => e.Key));
        Assert.True(huge.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, $"{huge.StatusCode}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.Contains("no-such-model", (string?)(await ReadJsonAsync(unknown, Token))["detail"]);
        Assert.Equal(writes, await host.CountWritesAsync(Token));
        Assert.Empty(router.StreamRequests);
    }

    [Fact]
    public async Task An_unreachable_router_answers_503_for_ones_own_conversation_and_404_for_another_users_and_writes_nothing()
    {
        var unreachable = new Uri($"http://127.0.0.1:{ChatPlatform.Testing.Servers.FreePort.Next()}");
        await using var host = await StartAsync(postgres, redis, Token, unreachable);
        using var owner = host.ClientFor(Guid.NewGuid());
        using var stranger = host.ClientFor(Guid.NewGuid());
        var conversationId = await CreateConversationAsync(owner, FakeModelRouter.FastModel);
        var writes = await host.CountWritesAsync(Token);

        using var mine = await owner.PostAsync($"/v1/conversations/{conversationId}/turns", Json("""{"content":"Hello"}"""), Token);
        using var theirs = await stranger.PostAsync($"/v1/conversations/{conversationId}/turns", Json("""{"content":"Hello"}"""), Token);
        using var regenerate = await stranger.PostAsync($"/v1/conversations/{conversationId}/messages/{Guid.NewGuid()}/regenerate", null, Token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, mine.StatusCode);
        Assert.Equal("application/problem+json", mine.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, regenerate.StatusCode);
        Assert.Equal(writes, await host.CountWritesAsync(Token));
    }

    [Fact]
    public async Task Concurrent_edits_of_one_message_get_distinct_sibling_indexes()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        using (var first = await PostTurnAsync(client, conversationId, """{"content":"First"}""", Token))
        {
            await ReadAllAsync(first, Token);
        }
        var question = (Guid)(await host.ScalarAsync(
            "SELECT id FROM chat.messages WHERE conversation_id = $1 AND role = 'user'", Token, conversationId))!;
        var answer = (Guid)(await host.ScalarAsync(
            "SELECT id FROM chat.messages WHERE conversation_id = $1 AND role = 'assistant'", Token, conversationId))!;

        // Root siblings (parentId null), siblings under an answer, and regenerated answers, each started at once.
        var turns = Enumerable.Range(0, 4).SelectMany(i => new[]
        {
            (HttpRequestMessage)new(HttpMethod.Post, $"/v1/conversations/{conversationId}/turns") { Content = Json($$"""{"content":"Edit {{i}}","parentId":null}""") },
            new(HttpMethod.Post, $"/v1/conversations/{conversationId}/turns") { Content = Json($$"""{"content":"Next {{i}}","parentId":"{{answer}}"}""") },
            new(HttpMethod.Post, $"/v1/conversations/{conversationId}/messages/{answer}/regenerate"),
        });
        await Task.WhenAll(turns.Select(async request =>
        {
            using var response = await OpenAsync(client, request, Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await ReadAllAsync(response, Token);
        }));

        foreach (var (parent, expected) in new (object Parent, long Count)[] { (DBNull.Value, 5), (answer, 4), (question, 5) })
        {
            var where = parent is DBNull ? "parent_id IS NULL" : "parent_id = $2";
            var parameters = parent is DBNull ? new object[] { conversationId } : [conversationId, parent];
            Assert.Equal(expected, await host.CountAsync($"SELECT count(*) FROM chat.messages WHERE conversation_id = $1 AND {where}", Token, parameters));
            Assert.Equal(expected, await host.CountAsync(
                $"SELECT count(DISTINCT sibling_index) FROM chat.messages WHERE conversation_id = $1 AND {where} AND sibling_index < {expected}",
                Token, parameters));
        }
    }

    [Fact]
    public async Task Resume_with_a_last_event_id_that_is_not_a_number_answers_400()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        using var turn = await PostTurnAsync(client, conversationId, """{"content":"Hi"}""", Token);
        var messageId = (string)(await ReadAllAsync(turn, Token))[0].Data["assistantMessage"]!["id"]!;

        using var response = await client.GetAsync($"/v1/conversations/{conversationId}/messages/{messageId}/events?lastEventId=-3", Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_first_exchange_names_the_conversation_and_the_question_names_it_when_the_router_fails()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var named = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        var fallback = await CreateConversationAsync(client, FakeModelRouter.FastModel);

        using (var response = await PostTurnAsync(client, named, """{"content":"Hi, I need help with my garden"}""", Token))
        {
            await ReadAllAsync(response, Token);
        }
        var title = await Eventually.GetAsync(() => TitleAsync(client, named), t => t is not null, Token);
        router.TitleAnswer = null;
        using (var response = await PostTurnAsync(client, fallback, """{"content":"Plan a trip to Lisbon in May for two people please"}""", Token))
        {
            await ReadAllAsync(response, Token);
        }
        var fallbackTitle = await Eventually.GetAsync(() => TitleAsync(client, fallback), t => t is not null, Token);

        Assert.Equal("Greetings and help", title);
        Assert.Equal("Plan a trip to Lisbon in", fallbackTitle);
        Assert.Contains("garden", (string)Assert.Single(router.WholeRequests, r => r.ToJsonString().Contains("garden", StringComparison.Ordinal))
            ["messages"]![1]!["content"]!);
        // The title's router call is billed, committed with the title; the failed one cost nothing and records nothing.
        Assert.Equal($"title|{named}|-|complete|{FakeModelRouter.FastModel}|fake-1|simulator|20|4|false|{FakeModelRouter.CostUsd}", await host.ScalarAsync("""
            SELECT concat_ws('|', payload->>'source', payload->>'conversationId', coalesce(payload->>'messageId', '-'), payload->>'status',
                payload->>'model', payload->>'deployment', payload->>'provider', payload->>'inputTokens', payload->>'outputTokens',
                payload->>'estimated', payload->>'costUsd')
            FROM events.events WHERE type = 'usage.recorded' AND payload->>'source' = 'title' AND payload->>'conversationId' = $1
            """, Token, named.ToString()));
        Assert.Equal(0L, await host.ScalarAsync(
            "SELECT count(*) FROM events.events WHERE type = 'usage.recorded' AND payload->>'source' = 'title' AND payload->>'conversationId' = $1",
            Token, fallback.ToString()));
    }

    [Fact]
    public async Task Shutting_down_marks_the_streaming_answers_interrupted_before_the_process_exits()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        router.HoldAfter(2);
        using var response = await PostTurnAsync(client, conversationId, """{"content":"Keep going"}""", Token);
        await using var events = ReadAsync(response, Token).GetAsyncEnumerator(Token);
        var messageId = Guid.Parse((string)(await ReadFirstAsync(events, 3))[0].Data["assistantMessage"]!["id"]!);

        await host.DisposeAsync();

        Assert.Equal("interrupted", await host.ScalarAsync("SELECT status FROM chat.messages WHERE id = $1", Token, messageId));
        Assert.Equal(string.Concat(router.Tokens.Take(2)), await host.ScalarAsync("SELECT content FROM chat.messages WHERE id = $1", Token, messageId));
        var stream = await ((IConnectionMultiplexer)await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
            .GetDatabase().StreamRangeAsync(TurnEventStream.KeyFor(messageId));
        Assert.Equal("error", stream[^1]["type"].ToString());
        Assert.Contains("\"code\":\"interrupted\"", stream[^1]["data"].ToString(), StringComparison.Ordinal);
    }

    private static async Task<string?> TitleAsync(HttpClient client, Guid conversationId) =>
        (string?)(await client.GetFromJsonAsync<JsonNode>($"/v1/conversations/{conversationId}", Token))!["title"];

    public static async Task<Guid> CreateConversationAsync(HttpClient client, string model, string? systemPrompt = null)
    {
        using var response = await client.PostAsJsonAsync("/v1/conversations", new { model, systemPrompt }, Token);
        response.EnsureSuccessStatusCode();
        return Guid.Parse((string)(await ReadJsonAsync(response, Token))["id"]!);
    }
}
