using System.Collections.Concurrent;
using ChatPlatform.Testing.Servers;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Services;
using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using static ChatPlatform.Chat.Tests.TurnStreams;

namespace ChatPlatform.Chat.Tests.Services;

public sealed class StaleTurnSweeperTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    // Quick pulses so that a dead owner is noticed within a second or two.
    private static readonly Dictionary<string, string> FastSweeps = new()
    {
        ["Turns:HeartbeatInterval"] = "00:00:00.200",
        ["Turns:StaleAfter"] = "00:00:01",
        ["Turns:SweepInterval"] = "00:00:00.200",
    };

    [Fact]
    public async Task A_chat_process_killed_mid_stream_leaves_an_answer_another_instance_marks_interrupted_with_its_partial_text()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        var database = await postgres.CreateDatabaseAsync(Token);
        router.HoldAfter(3);
        var output = new ConcurrentQueue<string>();
        await using var doomed = await ChatChildProcess.StartAsync(database, redis.ConnectionString, router.BaseAddress, output, Token);
        var userId = Guid.NewGuid();
        using var doomedClient = new HttpClient { BaseAddress = doomed.Url };
        doomedClient.DefaultRequestHeaders.Authorization = InternalTokens.User(userId);
        var conversationId = await Apis.TurnsApiTests.CreateConversationAsync(doomedClient, FakeModelRouter.FastModel);
        using var turn = await PostTurnAsync(doomedClient, conversationId, """{"content":"Write a long essay"}""", Token);
        await using var events = ReadAsync(turn, Token).GetAsyncEnumerator(Token);
        var seen = await ReadFirstAsync(events, 4);
        var messageId = Guid.Parse((string)seen[0].Data["assistantMessage"]!["id"]!);
        var partial = string.Concat(router.Tokens.Take(3));
        // The owner's instance heartbeat saves the text so far to the row.
        await using (var probe = ChatServiceHost.Start(database, redis.ConnectionString, router.BaseAddress))
        {
            await Eventually.GetAsync(
                () => probe.ScalarAsync("SELECT content FROM chat.messages WHERE id = $1", Token, messageId), c => (string?)c == partial, Token);
        }

        await doomed.Process.StopAsync(TimeSpan.FromSeconds(10), UnixSignals.SigKill);
        await using var survivor = ChatServiceHost.Start(database, redis.ConnectionString, router.BaseAddress, FastSweeps);
        await using var otherSurvivor = ChatServiceHost.Start(database, redis.ConnectionString, router.BaseAddress, FastSweeps);
        using var client = survivor.ClientFor(userId);
        var resume = new HttpRequestMessage(HttpMethod.Get, $"/v1/conversations/{conversationId}/messages/{messageId}/events");
        resume.Headers.Add("Last-Event-ID", "4");
        // The factory starts a host on first use: both survivors now sweep; the resume on one tails until the end is written.
        Assert.NotNull(otherSurvivor.Services);
        using var resumed = await OpenAsync(client, resume, Token);
        var rest = await ReadAllAsync(resumed, Token).WaitAsync(TimeSpan.FromSeconds(30), Token);

        Assert.True(doomed.Process.HasExited);
        var end = Assert.Single(rest);
        Assert.Equal(5, end.Id);
        Assert.Equal("error", end.Type);
        Assert.Equal("interrupted", (string?)end.Data["code"]);
        Assert.Equal("interrupted", (string?)end.Data["message"]!["status"]);
        Assert.Equal(partial, (string?)end.Data["message"]!["content"]);
        Assert.Equal("interrupted", await survivor.ScalarAsync("SELECT status FROM chat.messages WHERE id = $1", Token, messageId));
        Assert.Equal(partial, await survivor.ScalarAsync("SELECT content FROM chat.messages WHERE id = $1", Token, messageId));
        // Its end is recorded once, as the owner would have: message.completed, and the usage of what it streamed, estimated
        // (the prompt from the context it was sent, the output from the partial text).
        Assert.Equal(1, await survivor.CountAsync(
            "SELECT count(*) FROM events.events WHERE type = $1 AND payload->>'messageId' = $2 AND payload->>'status' = 'interrupted'",
            Token, TurnStore.MessageCompletedEvent, messageId.ToString()));
        Assert.Equal(1, await survivor.CountAsync(
            "SELECT count(*) FROM events.events WHERE type = 'usage.recorded' AND key = $1 AND payload->>'messageId' = $2 " +
            "AND (payload->>'estimated')::bool AND (payload->>'outputTokens')::int = $3 AND (payload->>'inputTokens')::int > 0 " +
            "AND payload->>'model' = $4 AND payload->>'status' = 'interrupted'",
            Token, userId.ToString(), messageId.ToString(), (partial.Length + 3) / 4, FakeModelRouter.FastModel));
        // Two sweepers ran; the answer was ended once.
        var stream = await (await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString)).GetDatabase()
            .StreamRangeAsync(TurnEventStream.KeyFor(messageId));
        Assert.Equal(["1", "2", "3", "4", "5"], stream.Select(e => e["id"].ToString()));
        Assert.Single(stream, e => e["type"] == "error");
    }

    [Fact]
    public async Task The_sweeper_takes_the_streamed_text_when_it_is_longer_than_the_last_save()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        // Heartbeats so rare that the row never gets the text: only the Redis stream has it.
        await using var held = await HoldTurnAsync(router, tokens: 4, new Dictionary<string, string>
        {
            ["Turns:HeartbeatInterval"] = "01:00:00",
            ["Turns:PartialTextInterval"] = "01:00:00",
            ["Turns:SweepInterval"] = "01:00:00",
        });
        var (owner, events, messageId) = (held.Owner, held.Events, held.MessageId);
        // The owner's instance heartbeat is made stale by hand: as if it had stopped long ago.
        await owner.ScalarAsync(
            "UPDATE chat.chat_instances SET heartbeat_at = now() - interval '1 hour' WHERE id = (SELECT instance_id FROM chat.messages WHERE id = $1)",
            Token, messageId);
        await using var sweeperHost = ChatServiceHost.Start(owner.Database, redis.ConnectionString, router.BaseAddress, new Dictionary<string, string>
        {
            ["Turns:SweepInterval"] = "01:00:00",
        });
        var sweeper = (StaleTurnSweeper)sweeperHost.Services.GetService(typeof(StaleTurnSweeper))!;

        var marked = await Task.WhenAll(sweeper.SweepAsync(Token), sweeper.SweepAsync(Token));

        Assert.Equal(1, marked.Sum());
        Assert.Equal("interrupted", await owner.ScalarAsync("SELECT status FROM chat.messages WHERE id = $1", Token, messageId));
        Assert.Equal(string.Concat(router.Tokens.Take(4)), await owner.ScalarAsync("SELECT content FROM chat.messages WHERE id = $1", Token, messageId));
        // The owner, released, finds the answer already ended and sends no second end.
        router.Release();
        var rest = new List<SseEvent>();
        while (await events.MoveNextAsync())
        {
            rest.Add(events.Current);
        }
        var stream = await (await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString)).GetDatabase()
            .StreamRangeAsync(TurnEventStream.KeyFor(messageId));
        Assert.Single(stream, e => e["type"] == "error" || e["type"] == "done");
        Assert.Equal("interrupted", await owner.ScalarAsync("SELECT status FROM chat.messages WHERE id = $1", Token, messageId));
    }

    [Fact]
    public async Task An_answer_is_swept_only_once_its_instance_stops_beating_not_for_its_own_unsaved_text()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        // The owner beats every 200 ms but never saves the text: the answer's row stays untouched for longer than StaleAfter.
        await using var held = await HoldTurnAsync(router, tokens: 2, new Dictionary<string, string>
        {
            ["Turns:HeartbeatInterval"] = "00:00:00.200",
            ["Turns:PartialTextInterval"] = "01:00:00",
            ["Turns:SweepInterval"] = "01:00:00",
        });
        var (owner, messageId) = (held.Owner, held.MessageId);
        var instanceId = (Guid)(await owner.ScalarAsync("SELECT instance_id FROM chat.messages WHERE id = $1", Token, messageId))!;
        await using var sweeperHost = ChatServiceHost.Start(owner.Database, redis.ConnectionString, router.BaseAddress, new Dictionary<string, string>
        {
            ["Turns:StaleAfter"] = "00:00:01",
            ["Turns:SweepInterval"] = "01:00:00",
        });
        var sweeper = (StaleTurnSweeper)sweeperHost.Services.GetService(typeof(StaleTurnSweeper))!;
        var beatAt = await owner.ScalarAsync("SELECT heartbeat_at FROM chat.chat_instances WHERE id = $1", Token, instanceId);
        // Past StaleAfter since the answer started, while its instance kept beating.
        await Eventually.GetAsync(
            () => owner.ScalarAsync("SELECT heartbeat_at FROM chat.chat_instances WHERE id = $1 AND heartbeat_at > $2 + interval '1.5 seconds'",
                Token, instanceId, beatAt!),
            at => at is DateTime or DateTimeOffset, Token);

        Assert.Equal(0, await sweeper.SweepAsync(Token));
        Assert.Equal("streaming", await owner.ScalarAsync("SELECT status FROM chat.messages WHERE id = $1", Token, messageId));
        Assert.Equal(1, await owner.CountAsync("SELECT count(*) FROM chat.messages WHERE id = $1 AND heartbeat_at IS NULL AND content = ''", Token, messageId));

        // The instance falls silent (as if its process froze): its answer is swept with the streamed text, once.
        await owner.Services.GetRequiredService<InstanceHeartbeat>().StopAsync(Token);
        await owner.ScalarAsync("UPDATE chat.chat_instances SET heartbeat_at = now() - interval '1 minute' WHERE id = $1", Token, instanceId);
        Assert.Equal(1, await sweeper.SweepAsync(Token));
        Assert.Equal(0, await sweeper.SweepAsync(Token));
        Assert.Equal("interrupted", await owner.ScalarAsync("SELECT status FROM chat.messages WHERE id = $1", Token, messageId));
        Assert.Equal(string.Concat(router.Tokens.Take(2)), await owner.ScalarAsync("SELECT content FROM chat.messages WHERE id = $1", Token, messageId));
    }

    [Fact]
    public async Task A_cleanly_stopped_instance_leaves_nothing_streaming_and_its_row_is_removed_at_the_next_sweep()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var held = await HoldTurnAsync(router, tokens: 2);
        var (owner, messageId) = (held.Owner, held.MessageId);
        var instanceId = (Guid)(await owner.ScalarAsync("SELECT instance_id FROM chat.messages WHERE id = $1", Token, messageId))!;

        await owner.DisposeAsync();

        Assert.Equal("interrupted", await owner.ScalarAsync("SELECT status FROM chat.messages WHERE id = $1", Token, messageId));
        Assert.Equal("-infinity", (await owner.ScalarAsync("SELECT heartbeat_at::text FROM chat.chat_instances WHERE id = $1", Token, instanceId))?.ToString());
        await using var sweeperHost = ChatServiceHost.Start(owner.Database, redis.ConnectionString, router.BaseAddress, new Dictionary<string, string>
        {
            ["Turns:SweepInterval"] = "01:00:00",
        });
        var sweeper = (StaleTurnSweeper)sweeperHost.Services.GetService(typeof(StaleTurnSweeper))!;
        Assert.Equal(0, await sweeper.SweepAsync(Token));
        Assert.Equal(0, await owner.CountAsync("SELECT count(*) FROM chat.chat_instances WHERE id = $1", Token, instanceId));
        Assert.Equal(1, await owner.CountAsync("SELECT count(*) FROM chat.chat_instances", Token));
    }

    /// <summary>
    /// A new instance (with <paramref name="settings"/>) streaming an answer the router holds after <paramref name="tokens"/>
    /// tokens, read up to them (the start and a delta each).
    /// </summary>
    private async Task<HeldTurn> HoldTurnAsync(FakeModelRouter router, int tokens, IReadOnlyDictionary<string, string>? settings = null)
    {
        var owner = await ChatServiceHost.StartAsync(postgres, redis, Token, router.BaseAddress, settings);
        var client = owner.ClientFor(Guid.NewGuid());
        var conversationId = await Apis.TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);
        router.HoldAfter(tokens);
        var turn = await PostTurnAsync(client, conversationId, """{"content":"Stream it"}""", Token);
        var events = ReadAsync(turn, Token).GetAsyncEnumerator(Token);
        var messageId = Guid.Parse((string)(await ReadFirstAsync(events, tokens + 1))[0].Data["assistantMessage"]!["id"]!);
        return new HeldTurn(owner, client, turn, events, messageId);
    }

    /// <summary>An answer held mid-stream; disposed as the test's own <c>using</c>s were, the owner last.</summary>
    private sealed record HeldTurn(
        ChatServiceHost Owner, HttpClient Client, HttpResponseMessage Turn, IAsyncEnumerator<SseEvent> Events, Guid MessageId) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Events.DisposeAsync();
            Turn.Dispose();
            Client.Dispose();
            await Owner.DisposeAsync();
        }
    }
}
