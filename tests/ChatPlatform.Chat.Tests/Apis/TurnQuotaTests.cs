using System.Net;
using System.Text.Json.Nodes;
using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.Testing;
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
}
