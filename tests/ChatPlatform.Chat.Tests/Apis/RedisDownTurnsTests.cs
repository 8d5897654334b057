using System.Net;
using System.Net.Sockets;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.Testing;
using ChatPlatform.Testing.Servers;
using StackExchange.Redis;
using static ChatPlatform.Chat.Tests.ChatServiceHost;
using static ChatPlatform.Chat.Tests.Apis.TurnsApiTests;
using static ChatPlatform.Chat.Tests.TurnStreams;

namespace ChatPlatform.Chat.Tests.Apis;

/// <summary>
/// Turns with Redis gone (a closed port, or a redis-server of the test's own stopped and restarted): they stream and are
/// saved, a stop reaches the turn on its own instance, resumes read memory or PostgreSQL, and Redis is used again once back.
/// </summary>
public sealed class RedisDownTurnsTests(PostgresFixture postgres, RedisFixture redis)
{
    // Generous: with Redis's old timeouts a stop answered 500 after ~5.7 s and a resume never sent its first event.
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(2);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_redis_down_a_turn_streams_resumes_from_memory_and_stops_on_its_instance()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress,
            new Dictionary<string, string> { ["ConnectionStrings:redis"] = ClosedRedis() });
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        router.HoldAfter(3);

        using var response = await PostTurnAsync(client, conversationId, """{"content":"Tell me a story"}""", Token).WaitAsync(Prompt, Token);
        await using var events = ReadAsync(response, Token).GetAsyncEnumerator(Token);
        var firstFour = await ReadFirstAsync(events, 4).WaitAsync(Prompt, Token);
        var messageId = (string)firstFour[0].Data["assistantMessage"]!["id"]!;
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/conversations/{conversationId}/messages/{messageId}/events");
        request.Headers.Add("Last-Event-ID", "2");
        using var resumed = await OpenAsync(client, request, Token).WaitAsync(Prompt, Token);
        await using var resumedEvents = ReadAsync(resumed, Token).GetAsyncEnumerator(Token);
        var missed = await ReadFirstAsync(resumedEvents, 2).WaitAsync(Prompt, Token);
        using var stop = await client.PostAsync($"/v1/conversations/{conversationId}/messages/{messageId}/stop", null, Token).WaitAsync(Prompt, Token);
        var rest = await ReadFirstAsync(events, 1).WaitAsync(Prompt, Token);
        var resumedRest = await ReadFirstAsync(resumedEvents, 1).WaitAsync(Prompt, Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal([3L, 4L], missed.Select(e => e.Id));
        Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        var partial = string.Concat(router.Tokens.Take(3));
        foreach (var done in new[] { Assert.Single(rest), Assert.Single(resumedRest) })
        {
            Assert.Equal(("done", 5L), (done.Type, done.Id));
            Assert.Equal("stopped", (string?)done.Data["message"]!["status"]);
            Assert.Equal(partial, (string?)done.Data["message"]!["content"]);
        }
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM chat.messages WHERE id = $1 AND status = 'stopped' AND content = $2", Token, Guid.Parse(messageId), partial));
    }

    [Fact]
    public async Task With_redis_down_a_resume_on_another_instance_answers_the_end_from_postgres()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        var closed = ClosedRedis();
        await using var first = await StartAsync(postgres, redis, Token, router.BaseAddress, new Dictionary<string, string> { ["ConnectionStrings:redis"] = closed });
        await using var second = Start(first.Database, closed, router.BaseAddress);
        var userId = Guid.NewGuid();
        using var firstClient = first.ClientFor(userId);
        using var secondClient = second.ClientFor(userId);
        var conversationId = await CreateConversationAsync(firstClient, FakeModelRouter.FastModel);
        router.HoldAfter(3);
        using var original = await PostTurnAsync(firstClient, conversationId, """{"content":"Resume me"}""", Token);
        await using var originalEvents = ReadAsync(original, Token).GetAsyncEnumerator(Token);
        var seen = await ReadFirstAsync(originalEvents, 2).WaitAsync(Prompt, Token);
        var messageId = (string)seen[0].Data["assistantMessage"]!["id"]!;

        // The headers come at once, while the answer still streams on the first instance.
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/conversations/{conversationId}/messages/{messageId}/events");
        request.Headers.Add("Last-Event-ID", "2");
        using var resumed = await OpenAsync(secondClient, request, Token).WaitAsync(Prompt, Token);
        router.Release();
        var events = await ReadAllAsync(resumed, Token).WaitAsync(TimeSpan.FromSeconds(30), Token);
        using var afterwards = await OpenAsync(secondClient,
            new HttpRequestMessage(HttpMethod.Get, $"/v1/conversations/{conversationId}/messages/{messageId}/events?lastEventId=1"), Token);
        var ended = await ReadAllAsync(afterwards, Token).WaitAsync(Prompt, Token);

        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        foreach (var done in new[] { Assert.Single(events), Assert.Single(ended) })
        {
            Assert.Equal("done", done.Type);
            Assert.Equal(router.Answer, (string?)done.Data["message"]!["content"]);
        }
    }

    [Fact]
    public async Task When_redis_returns_turns_are_streamed_to_redis_again()
    {
        var directory = TestDirectories.Create("chat-redis");
        await using var server = await RedisProcess.StartAsync(directory, FreePort.Next(), (_, _) => { }, durable: false, Token);
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress,
            new Dictionary<string, string> { ["ConnectionStrings:redis"] = server.ConnectionString });
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await CreateConversationAsync(client, FakeModelRouter.FastModel);
        using var probe = await ConnectionMultiplexer.ConnectAsync($"{server.ConnectionString},abortConnect=false");

        await server.StopAsync();
        var during = await TurnAsync(client, conversationId).WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Equal("done", during[^1].Type);
        await server.RestartAsync(Token);

        // The breaker closes within its cool-down of the connection coming back: a later turn lands whole in Redis again.
        var (sent, stored) = await Eventually.GetAsync(async () =>
        {
            var events = await TurnAsync(client, conversationId);
            var key = TurnEventStream.KeyFor(Guid.Parse((string)events[^1].Data["message"]!["id"]!));
            try
            {
                return (events.Count, await probe.GetDatabase().StreamLengthAsync(key));
            }
            catch (RedisException)
            {
                return (events.Count, 0L);
            }
        }, counts => counts.Item2 == counts.Item1, Token, timeoutSeconds: 30);
        Assert.Equal(sent, stored);
        Directory.Delete(directory, recursive: true);
    }

    private static async Task<List<SseEvent>> TurnAsync(HttpClient client, Guid conversationId)
    {
        using var response = await PostTurnAsync(client, conversationId, """{"content":"Hi"}""", Token);
        return await ReadAllAsync(response, Token);
    }

    private static string ClosedRedis()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
    }
}
