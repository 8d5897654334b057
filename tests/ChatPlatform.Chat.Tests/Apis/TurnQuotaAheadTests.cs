using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using ChatPlatform.Chat.Services;
using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using static ChatPlatform.Chat.Tests.ChatServiceHost;
using static ChatPlatform.Chat.Tests.TurnStreams;
using static ChatPlatform.Chat.Tests.Apis.TurnQuotaTests;
using static ChatPlatform.Chat.Tests.Apis.TurnsApiTests;

namespace ChatPlatform.Chat.Tests.Apis;

/// <summary>
/// docs/usage.md "Quotas": a question in a conversation this instance knows is checked beside its read, and the check is
/// kept only when the read gives the same worst case.
/// </summary>
public sealed class TurnQuotaAheadTests(PostgresFixture postgres, RedisFixture redis)
{
    private const int FastMaxOutput = 4_096;
    private const string SystemPrompt = "Answer briefly and kindly.";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Questions_in_a_conversation_this_instance_knows_are_checked_beside_their_read_and_hold_exactly_their_worst_case()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var outcomes = AheadOutcomes.Listen(host);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel, SystemPrompt);

        using var first = await PostTurnAsync(client, conversationId, """{"content":"Hi there"}""", Token);
        var answer = (string)(await ReadAllAsync(first, Token))[^1].Data["message"]!["content"]!;
        var heldBefore = await HeldTokensAsync(host, userId);
        using var second = await PostTurnAsync(client, conversationId, """{"content":"And a second question?"}""", Token);
        Assert.Equal("done", (await ReadAllAsync(second, Token))[^1].Type);

        // The second turn holds the system prompt, the first question and its answer, its own question, and the output.
        var sent = new[] { SystemPrompt, "Hi there", answer, "And a second question?" }.Sum(ContextBuilder.EstimateTokens);
        Assert.NotEmpty(answer);
        Assert.Equal(sent + FastMaxOutput, await HeldTokensAsync(host, userId) - heldBefore);
        Assert.Equal(2, outcomes.Count("kept"));
        Assert.Equal(0, outcomes.Count("redone"));
    }

    [Fact]
    public async Task A_conversation_that_grew_elsewhere_is_checked_again_on_what_the_read_gives_and_refused()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        const string Question = "Hi there";
        // The guess (no history) fits; the ten messages the read finds (1,540 tokens) do not.
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress, new Dictionary<string, string>
        {
            ["Quotas:Tiers:free:Daily:Tokens"] = (ContextBuilder.EstimateTokens(Question) + FastMaxOutput + 1_000).ToString(CultureInfo.InvariantCulture),
        });
        using var outcomes = AheadOutcomes.Listen(host);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        await SeedHistoryAsync(host, userId, conversationId, 10, 600);

        using var refused = await PostTurnAsync(client, conversationId, $$"""{"content":"{{Question}}"}""", Token);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("daily-tokens", (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync(Token))!["quota"]);
        Assert.Equal(0, await HeldTokensAsync(host, userId));
        Assert.Equal(1, outcomes.Count("redone"));
    }

    [Fact]
    public async Task A_guess_too_high_for_the_quota_is_checked_again_on_what_the_read_gives_and_admitted()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        const string Question = "Hi there";
        var longPrompt = new string('x', 8_000);
        var exact = ContextBuilder.EstimateTokens("Short.") + ContextBuilder.EstimateTokens(Question) + FastMaxOutput;
        // Room for the exact worst case, not for the guess made from the long system prompt the conversation was created with.
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress, new Dictionary<string, string>
        {
            ["Quotas:Tiers:free:Daily:Tokens"] = (exact + 100).ToString(CultureInfo.InvariantCulture),
        });
        using var outcomes = AheadOutcomes.Listen(host);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel, longPrompt);
        await OrganiseClient.PatchAsync(client, conversationId, """{"systemPrompt":"Short."}""");

        using var served = await PostTurnAsync(client, conversationId, $$"""{"content":"{{Question}}"}""", Token);

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(exact, await HeldTokensAsync(host, userId));
        Assert.Equal(1, outcomes.Count("redone"));
        Assert.Equal("done", (await ReadAllAsync(served, Token))[^1].Type);
    }

    [Fact]
    public async Task A_known_conversation_deleted_since_answers_404_and_holds_nothing()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        using (var deleted = await client.DeleteAsync($"/v1/conversations/{conversationId}", Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var response = await PostTurnAsync(client, conversationId, """{"content":"Hi there"}""", Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, await HeldTokensAsync(host, userId));
    }

    [Fact]
    public async Task Another_users_question_on_a_conversation_this_instance_knows_is_not_guessed_and_answers_404()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var outcomes = AheadOutcomes.Listen(host);
        using var owner = host.ClientFor(Guid.NewGuid());
        var strangerId = Guid.NewGuid();
        using var stranger = host.ClientFor(strangerId);
        var conversationId = await CreateConversationAsync(owner, FakeModelRouter.FastModel, SystemPrompt);

        using var response = await PostTurnAsync(stranger, conversationId, """{"content":"Hi there"}""", Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, await HeldTokensAsync(host, strangerId));
        Assert.Equal(0, outcomes.Count("kept") + outcomes.Count("redone"));
    }

    /// <summary>The host's <c>chatplatform.quota.ahead</c> measurements, by outcome.</summary>
    private sealed class AheadOutcomes : IDisposable
    {
        private readonly ConcurrentDictionary<string, long> _counts = new();
        private readonly MeterListener _listener = new();

        public static AheadOutcomes Listen(ChatServiceHost host)
        {
            var factory = host.Services.GetRequiredService<IMeterFactory>();
            var outcomes = new AheadOutcomes();
            outcomes._listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == "chatplatform.quota.ahead")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            outcomes._listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "outcome")
                    {
                        outcomes._counts.AddOrUpdate((string)tag.Value!, value, (_, total) => total + value);
                    }
                }
            });
            outcomes._listener.Start();
            return outcomes;
        }

        public long Count(string outcome) => _counts.GetValueOrDefault(outcome);

        public void Dispose() => _listener.Dispose();
    }
}
