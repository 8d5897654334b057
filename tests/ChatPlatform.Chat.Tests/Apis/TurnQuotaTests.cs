using System.Net;
using System.Text.Json.Nodes;
using ChatPlatform.Chat.Services;
using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.Quotas;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using static ChatPlatform.Chat.Tests.ChatServiceHost;
using static ChatPlatform.Chat.Tests.TurnStreams;
using static ChatPlatform.Chat.Tests.Apis.TurnsApiTests;

namespace ChatPlatform.Chat.Tests.Apis;

/// <summary>docs/usage.md "Quotas": a turn reserves its worst case before anything is written.</summary>
public sealed class TurnQuotaTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_turn_over_the_daily_token_quota_answers_429_naming_it_and_writes_nothing()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        // Less than one answer's worst case (its maximum output alone is more).
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress,
            new Dictionary<string, string> { ["Quotas:Tiers:free:Daily:Tokens"] = "10" });
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);

        using var refused = await PostTurnAsync(client, conversationId, """{"content":"Hi there"}""", Token);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync(Token))!;
        Assert.Equal("https://chatplatform.dev/problems/quota-exceeded", (string?)problem["type"]);
        Assert.Equal("Quota exceeded", (string?)problem["title"]);
        Assert.Equal(429, (int)problem["status"]!);
        Assert.Equal("daily-tokens", (string?)problem["quota"]);
        Assert.Null(problem["model"]);
        var resetsAt = DateTimeOffset.Parse((string)problem["resetsAt"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.Zero, resetsAt.TimeOfDay);
        Assert.Contains("daily token quota of 10 tokens", (string?)problem["detail"], StringComparison.Ordinal);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.messages WHERE user_id = $1", Token, userId));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM events.events WHERE key = $1", Token, userId.ToString()));
    }

    [Fact]
    public async Task A_turn_within_quota_carries_its_reservation_to_the_usage_event()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);

        using var response = await PostTurnAsync(client, conversationId, """{"content":"Hi there"}""", Token);
        var events = await ReadAllAsync(response, Token);

        Assert.Equal("done", events[^1].Type);
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM events.events WHERE type = 'usage.recorded' AND key = $1 AND length(payload->>'reservationId') = 32",
            Token, userId.ToString()));
    }

    [Fact]
    public async Task A_models_request_rate_refuses_the_turn_over_it_with_model_requests()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress,
            new Dictionary<string, string> { [$"Quotas:Tiers:free:Models:{FakeModelRouter.FastModel}:RequestsPerMinute"] = "1" });
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        using var first = await PostTurnAsync(client, conversationId, """{"content":"Hi there"}""", Token);
        await ReadAllAsync(first, Token);

        using var second = await PostTurnAsync(client, conversationId, """{"content":"Again"}""", Token);

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        var problem = JsonNode.Parse(await second.Content.ReadAsStringAsync(Token))!;
        Assert.Equal("model-requests", (string?)problem["quota"]);
        Assert.Equal(FakeModelRouter.FastModel, (string?)problem["model"]);
        Assert.Equal(2, await host.CountAsync("SELECT count(*) FROM chat.messages WHERE user_id = $1", Token, userId));
    }

    // sim-fast's whole output: its window (32,768) leaves the whole of it.
    private const int FastMaxOutput = 4_096;

    [Fact]
    public async Task A_long_conversation_near_the_quota_is_refused_where_a_short_one_is_not()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        // Room for one short turn's worst case and a thousand tokens more, not for ten messages of history besides.
        var question = "Hi there";
        var shortWorstCase = ContextBuilder.EstimateTokens(question) + FastMaxOutput;
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress,
            new Dictionary<string, string> { ["Quotas:Tiers:free:Daily:Tokens"] = (shortWorstCase + 1_000).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var (shortUser, longUser) = (Guid.NewGuid(), Guid.NewGuid());
        using var shortClient = host.ClientFor(shortUser);
        using var longClient = host.ClientFor(longUser);
        var shortConversation = await CreateConversationAsync(shortClient, FakeModelRouter.FastModel);
        var longConversation = await CreateConversationAsync(longClient, FakeModelRouter.FastModel);
        // Ten messages of 600 characters: 154 tokens each as the context builder counts them, 1,540 in all.
        await SeedHistoryAsync(host, longUser, longConversation, 10, 600);

        using var served = await PostTurnAsync(shortClient, shortConversation, $$"""{"content":"{{question}}"}""", Token);
        var events = await ReadAllAsync(served, Token);
        using var refused = await PostTurnAsync(longClient, longConversation, $$"""{"content":"{{question}}"}""", Token);

        Assert.Equal("done", events[^1].Type);
        // The short turn holds exactly its prompt as built (no history, no system prompt) plus the model's output.
        Assert.Equal(shortWorstCase, await HeldTokensAsync(host, shortUser));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync(Token))!;
        Assert.Equal("daily-tokens", (string?)problem["quota"]);
        Assert.Contains("could use more than what is left", (string?)problem["detail"], StringComparison.Ordinal);
        // Refused before the write: nothing written, nothing held.
        Assert.Equal(10, await host.CountAsync("SELECT count(*) FROM chat.messages WHERE user_id = $1", Token, longUser));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM events.events WHERE key = $1", Token, longUser.ToString()));
        Assert.Equal(0, await HeldTokensAsync(host, longUser));
    }

    [Fact]
    public async Task A_conversations_max_output_tokens_bounds_its_turns_worst_case_so_it_fits_where_the_models_does_not()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        // Below a turn's worst case with the model's whole output, above it with the conversation's 500-token limit.
        const string Question = "Hi there";
        const int Limit = 500;
        var limited = ContextBuilder.EstimateTokens(Question) + Limit;
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress,
            new Dictionary<string, string> { ["Quotas:Tiers:free:Daily:Tokens"] = (limited + 1_000).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var (limitedUser, unlimitedUser) = (Guid.NewGuid(), Guid.NewGuid());
        using var limitedClient = host.ClientFor(limitedUser);
        using var unlimitedClient = host.ClientFor(unlimitedUser);
        var limitedConversation = await CreateConversationAsync(limitedClient, FakeModelRouter.FastModel);
        var unlimitedConversation = await CreateConversationAsync(unlimitedClient, FakeModelRouter.FastModel);
        await OrganiseClient.PatchAsync(limitedClient, limitedConversation, $$"""{"maxOutputTokens":{{Limit}}}""");

        using var served = await PostTurnAsync(limitedClient, limitedConversation, $$"""{"content":"{{Question}}"}""", Token);
        var events = await ReadAllAsync(served, Token);
        var heldByServed = await HeldTokensAsync(host, limitedUser);
        using var refused = await PostTurnAsync(unlimitedClient, unlimitedConversation, $$"""{"content":"{{Question}}"}""", Token);

        Assert.Equal("done", events[^1].Type);
        // Held as the turn asks for it: its prompt plus the conversation's limit, not the model's 4,096.
        Assert.Equal(limited, heldByServed);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("daily-tokens", (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync(Token))!["quota"]);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.messages WHERE user_id = $1", Token, unlimitedUser));
    }

    [Fact]
    public async Task A_regenerate_holds_the_conversations_max_output_tokens_rather_than_the_models()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        var (_, answerId) = await SeedHistoryAsync(host, userId, conversationId, 4, 100);
        await OrganiseClient.PatchAsync(client, conversationId, """{"maxOutputTokens":300}""");

        using var response = await client.PostAsync(
            new Uri($"/v1/conversations/{conversationId}/messages/{answerId}/regenerate", UriKind.Relative), null, Token);
        var events = await ReadAllAsync(response, Token);

        Assert.Equal("done", events[^1].Type);
        Assert.Equal((3 * ContextBuilder.EstimateTokens(new string('x', 100))) + 300, await HeldTokensAsync(host, userId));
    }

    [Fact]
    public async Task A_regenerate_counts_the_history_it_is_sent_with_the_system_prompt()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        const string SystemPrompt = "Answer as a pirate would.";
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel, SystemPrompt);
        var (_, answerId) = await SeedHistoryAsync(host, userId, conversationId, 4, 100);

        using var response = await client.PostAsync(
            new Uri($"/v1/conversations/{conversationId}/messages/{answerId}/regenerate", UriKind.Relative), null, Token);
        var events = await ReadAllAsync(response, Token);

        Assert.Equal("done", events[^1].Type);
        // The system prompt and the three messages before the regenerated answer, as the router is sent them.
        var sent = ContextBuilder.EstimateTokens(SystemPrompt) + (3 * ContextBuilder.EstimateTokens(new string('x', 100)));
        Assert.Equal(sent + FastMaxOutput, await HeldTokensAsync(host, userId));
    }

    [Fact]
    public async Task A_turn_the_router_refuses_before_it_streams_frees_its_hold()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        router.FailWithStatus = 503;
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);

        using var response = await PostTurnAsync(client, conversationId, """{"content":"Hi there"}""", Token);
        var events = await ReadAllAsync(response, Token);

        Assert.Equal("error", events[^1].Type);
        Assert.Equal("failed", (string?)events[^1].Data["message"]!["status"]);
        // No usage to record, so no event would carry the hold to billing: it is gone before the end is sent.
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM events.events WHERE type = 'usage.recorded' AND key = $1", Token, userId.ToString()));
        Assert.Equal(0, await HeldTokensAsync(host, userId));
    }

    [Fact]
    public async Task A_turn_whose_commit_fails_after_its_check_frees_its_hold_and_writes_nothing()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        // A deferred check fails the COMMIT itself, after the quota check took the hold.
        await host.ScalarAsync("""
            CREATE FUNCTION chat.refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$;
            CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON chat.messages DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW WHEN (NEW.content = 'fail at commit') EXECUTE FUNCTION chat.refuse_commit();
            """, Token);

        using var response = await PostTurnAsync(client, conversationId, """{"content":"fail at commit"}""", Token);

        Assert.False(response.IsSuccessStatusCode);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.messages WHERE user_id = $1", Token, userId));
        Assert.Equal(0, await HeldTokensAsync(host, userId));
        Assert.Empty(router.StreamRequests);
    }

    [Fact]
    public async Task A_turn_held_before_its_write_that_the_write_does_not_start_frees_its_hold()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);

        // The conversation is there, so the check holds the turn's worst case; the write then finds no such parent.
        using var response = await PostTurnAsync(client, conversationId, $$"""{"content":"Hi there","parentId":"{{Guid.CreateVersion7()}}"}""", Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.messages WHERE user_id = $1", Token, userId));
        Assert.Equal(0, await HeldTokensAsync(host, userId));
    }

    [Fact]
    public async Task A_history_grown_between_the_check_and_the_write_raises_the_hold_to_what_is_sent()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        var quotas = host.Services.GetRequiredService<TurnQuotas>();
        var models = (await host.Services.GetRequiredService<ChatPlatform.Chat.Infrastructure.ModelRouterClient>().ListModelsAsync(Token)).For(null);
        var model = models.Models[FakeModelRouter.FastModel];
        const string Question = "Hi there";

        // Checked on an empty conversation; ten messages arrive before the write (another turn, an import).
        var hold = await quotas.HoldAheadAsync(userId, null, models, TurnFiles.None,
            new ChatPlatform.Chat.Infrastructure.PathFiles(FakeModelRouter.FastModel, [], [], null) { Context = [] }, Question);
        Assert.Equal(ContextBuilder.EstimateTokens(Question) + FastMaxOutput, await HeldTokensAsync(host, userId));
        await SeedHistoryAsync(host, userId, conversationId, 10, 600);
        var started = Assert.IsType<ChatPlatform.Chat.Infrastructure.TurnStart.Started>(
            await host.Services.GetRequiredService<ChatPlatform.Chat.Infrastructure.TurnStore>().StartTurnAsync(
                userId, conversationId, Question, null, false, [], models.Ids, ContextBuilder.LargestBudget(models.Models.Values), null, Token));

        await quotas.CoverAsync(userId, hold, started, model, TurnFiles.None);

        // The ten messages (154 tokens each as the builder counts them) are held too.
        Assert.Equal(ContextBuilder.EstimateTokens(Question) + 1_540 + FastMaxOutput, await HeldTokensAsync(host, userId));
    }

    [Fact]
    public async Task A_cover_after_the_write_keeps_a_hold_bounded_by_the_conversations_max_output_tokens()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        await OrganiseClient.PatchAsync(client, conversationId, """{"maxOutputTokens":200}""");
        var quotas = host.Services.GetRequiredService<TurnQuotas>();
        var models = (await host.Services.GetRequiredService<ChatPlatform.Chat.Infrastructure.ModelRouterClient>().ListModelsAsync(Token)).For(null);
        const string Question = "Hi there";

        var hold = await quotas.HoldAheadAsync(userId, null, models, TurnFiles.None,
            new ChatPlatform.Chat.Infrastructure.PathFiles(FakeModelRouter.FastModel, [], [], null) { Context = [], MaxOutputTokens = 200 }, Question);
        var started = Assert.IsType<ChatPlatform.Chat.Infrastructure.TurnStart.Started>(
            await host.Services.GetRequiredService<ChatPlatform.Chat.Infrastructure.TurnStore>().StartTurnAsync(
                userId, conversationId, Question, null, false, [], models.Ids, ContextBuilder.LargestBudget(models.Models.Values), null, Token));
        await quotas.CoverAsync(userId, hold, started, models.Models[FakeModelRouter.FastModel], TurnFiles.None);

        // Nothing grew between the check and the write: the hold is still the prompt and the conversation's 200 tokens.
        Assert.Equal(ContextBuilder.EstimateTokens(Question) + 200, await HeldTokensAsync(host, userId));
    }

    [Fact]
    public async Task A_write_under_another_parent_than_the_read_expected_reads_the_history_it_was_written_under()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        var models = (await host.Services.GetRequiredService<ChatPlatform.Chat.Infrastructure.ModelRouterClient>().ListModelsAsync(Token)).For(null);
        var store = host.Services.GetRequiredService<ChatPlatform.Chat.Infrastructure.TurnStore>();
        // Read while the conversation was empty; four messages came before the write.
        await SeedHistoryAsync(host, userId, conversationId, 4, 100);

        var stale = Assert.IsType<ChatPlatform.Chat.Infrastructure.TurnStart.Started>(await store.StartTurnAsync(
            userId, conversationId, "Next", null, false, [], models.Ids, ContextBuilder.LargestBudget(models.Models.Values), null, Token, readContext: []));
        // Read with the current leaf (the answer just started): taken as read, not read again.
        var leaf = stale.Answer.Id;
        var known = new List<ChatPlatform.Chat.Model.ContextMessage> { new(ChatPlatform.Chat.Model.MessageRole.User, "as read", leaf) };
        var fresh = Assert.IsType<ChatPlatform.Chat.Infrastructure.TurnStart.Started>(await store.StartTurnAsync(
            userId, conversationId, "Again", null, false, [], models.Ids, ContextBuilder.LargestBudget(models.Models.Values), null, Token, readContext: known));

        Assert.Equal(5, stale.ContextPath.Count);
        Assert.Equal("Next", stale.ContextPath[^1].Content);
        Assert.Equal(new string('d', 100), stale.ContextPath[^2].Content);
        Assert.Equal(["as read", "Again"], fresh.ContextPath.Select(m => m.Content));
    }

    [Fact]
    public async Task An_answer_swept_as_interrupted_carries_its_hold_to_billing_and_one_without_text_frees_it()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        // Only this test's own sweep runs: the background one waits an hour.
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress,
            new Dictionary<string, string> { ["Turns:SweepInterval"] = "01:00:00", ["Turns:StaleAfter"] = "00:00:01" });
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var gate = host.Services.GetRequiredService<QuotaGate>();
        // Two answers an instance that died was generating, each under a hold it took: one had streamed some text.
        var deadInstance = Guid.NewGuid();
        await host.ScalarAsync("INSERT INTO chat.chat_instances (id, heartbeat_at) VALUES ($1, now() - interval '1 hour')", Token, deadInstance);
        var answers = new List<(Guid Answer, string ReservationId)>();
        foreach (var content in new[] { "Half an answ", "" })
        {
            var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
            var question = await SeedQuestionAsync(host, userId, conversationId);
            var reservationId = QuotaGate.NewReservationId();
            Assert.IsType<ReserveResult.Reserved>(await gate.ReserveAsync(userId, null, FakeModelRouter.FastModel, 5_000, 0.01m, reservationId));
            var answerId = Guid.CreateVersion7();
            await host.ScalarAsync("""
                INSERT INTO chat.messages (user_id, conversation_id, id, parent_id, role, content, status, model, created_at, sibling_index, instance_id, reservation_id)
                VALUES ($1, $2, $3, $4, 'assistant', $5, 'streaming', $6, now() - interval '1 minute', 0, $7, $8)
                """, Token, userId, conversationId, answerId, question, content, FakeModelRouter.FastModel, deadInstance, reservationId);
            answers.Add((answerId, reservationId));
        }
        Assert.Equal(10_000, await HeldTokensAsync(host, userId));

        Assert.Equal(2, await host.Services.GetRequiredService<StaleTurnSweeper>().SweepAsync(Token));

        // The one with text: its estimated usage carries the hold, which billing settles (and frees) from that event.
        var (partial, partialHold) = answers[0];
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM events.events WHERE type = 'usage.recorded' AND payload->>'messageId' = $1 AND payload->>'reservationId' = $2 " +
            "AND payload->>'status' = 'interrupted'", Token, partial.ToString(), partialHold));
        // The one without: no usage event, and its hold is freed at once rather than after Quotas:HoldDuration.
        var (empty, _) = answers[1];
        Assert.Equal(0, await host.CountAsync(
            "SELECT count(*) FROM events.events WHERE type = 'usage.recorded' AND payload->>'messageId' = $1", Token, empty.ToString()));
        Assert.Equal(5_000, await HeldTokensAsync(host, userId));
    }

    /// <summary>
    /// <paramref name="count"/> messages of <paramref name="characters"/> characters, user and assistant in turn, as the
    /// conversation's path (its current leaf the last); written directly, so that building them holds no quota.
    /// </summary>
    internal static async Task<(Guid Question, Guid Answer)> SeedHistoryAsync(ChatServiceHost host, Guid userId, Guid conversationId, int count, int characters)
    {
        object parent = DBNull.Value;
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var id = Guid.CreateVersion7();
            await host.ScalarAsync("""
                INSERT INTO chat.messages (user_id, conversation_id, id, parent_id, role, content, status, model, created_at, sibling_index)
                VALUES ($1, $2, $3, $4, $5, $6, 'complete', $7, now(), 0)
                """, Token, userId, conversationId, id, parent, i % 2 == 0 ? "user" : "assistant", new string((char)('a' + (i % 26)), characters),
                FakeModelRouter.FastModel);
            parent = id;
            ids.Add(id);
        }
        await host.ScalarAsync("UPDATE chat.conversations SET current_leaf_id = $3 WHERE user_id = $1 AND id = $2", Token, userId, conversationId, parent);
        return (ids[^2], ids[^1]);
    }

    private static async Task<Guid> SeedQuestionAsync(ChatServiceHost host, Guid userId, Guid conversationId)
    {
        var id = Guid.CreateVersion7();
        await host.ScalarAsync("""
            INSERT INTO chat.messages (user_id, conversation_id, id, parent_id, role, content, status, model, created_at, sibling_index)
            VALUES ($1, $2, $3, NULL, 'user', 'Tell me a story', 'complete', $4, now(), 0)
            """, Token, userId, conversationId, id, FakeModelRouter.FastModel);
        return id;
    }

    /// <summary>The tokens the user's open holds keep today over every model.</summary>
    internal static async Task<long> HeldTokensAsync(ChatServiceHost host, Guid userId)
    {
        var gate = host.Services.GetRequiredService<QuotaGate>();
        var (tokens, _) = await gate.HeldAsync(QuotaWindow.For(userId, FakeModelRouter.FastModel, DateTimeOffset.UtcNow)[0]);
        return tokens;
    }
}
