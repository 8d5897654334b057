using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.Testing;
using static ChatPlatform.Chat.Tests.TurnStreams;

namespace ChatPlatform.Chat.Tests.Infrastructure;

public sealed class TurnStoreTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_turn_costs_three_round_trips_besides_its_two_commits()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await ChatServiceHost.StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await Apis.TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);
        using (var warm = await PostTurnAsync(client, conversationId, """{"content":"Warm up"}""", Token))
        {
            await ReadAllAsync(warm, Token);
        }
        using var recorder = new SqlRecorder(host.Database);

        recorder.Start();
        using (var turn = await PostTurnAsync(client, conversationId, """{"content":"Hi there"}""", Token))
        {
            await ReadAllAsync(turn, Token);
        }
        var roundTrips = recorder.Stop();

        // Start: one batch locks and reads the conversation, writes both messages and reads the context, then the user message's
        // event; finish: one batch with the answer and its events. The two COMMITs are not traced. (It was ten and two.)
        Assert.True(roundTrips.Count == 3, $"{roundTrips.Count} round trips:\n" + string.Join("\n---\n", roundTrips));
        Assert.Contains("FOR UPDATE", roundTrips[0], StringComparison.Ordinal);
        Assert.Contains("pg_notify", roundTrips[1], StringComparison.Ordinal);
        Assert.StartsWith("UPDATE chat.messages", roundTrips[2].TrimStart(), StringComparison.Ordinal);

        // A regeneration writes no user message, so no event at its start: one batch, then the finish's.
        var answerId = await host.ScalarAsync("SELECT current_leaf_id FROM chat.conversations WHERE id = $1", Token, conversationId);
        recorder.Start();
        using (var regenerate = await OpenAsync(
            client, new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversationId}/messages/{answerId}/regenerate"), Token))
        {
            Assert.Equal("done", (await ReadAllAsync(regenerate, Token))[^1].Type);
        }
        var regenerated = recorder.Stop();
        Assert.True(regenerated.Count == 2, $"{regenerated.Count} round trips:\n" + string.Join("\n---\n", regenerated));
    }
}
