using System.Collections.Concurrent;
using ChatPlatform.Testing.Servers;
using ChatPlatform.Chat.Services;
using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.Testing;
using static ChatPlatform.Chat.Tests.TurnStreams;

namespace ChatPlatform.Chat.Tests.Services;

public sealed class GracefulShutdownTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task On_sigterm_a_streaming_answer_is_committed_interrupted_and_its_client_gets_the_end_before_the_process_exits()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        var database = await postgres.CreateDatabaseAsync(Token);
        router.HoldAfter(2);
        var output = new ConcurrentQueue<string>();
        await using var chat = await ChatChildProcess.StartAsync(database, redis.ConnectionString, router.BaseAddress, output, Token);
        using var client = new HttpClient { BaseAddress = chat.Url };
        client.DefaultRequestHeaders.Authorization = InternalTokens.User(Guid.NewGuid());
        var conversationId = await Apis.TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);
        using var turn = await PostTurnAsync(client, conversationId, """{"content":"Take your time"}""", Token);
        await using var events = ReadAsync(turn, Token).GetAsyncEnumerator(Token);
        var seen = await ReadFirstAsync(events, 3);
        var messageId = Guid.Parse((string)seen[0].Data["assistantMessage"]!["id"]!);

        var stopping = chat.Process.StopAsync(TimeSpan.FromSeconds(20), UnixSignals.SigTerm);
        var rest = new List<SseEvent>();
        while (await events.MoveNextAsync())
        {
            rest.Add(events.Current);
        }
        await stopping;
        var exitCode = await chat.Process.Exited;

        var end = Assert.Single(rest);
        Assert.Equal("error", end.Type);
        Assert.Equal("interrupted", (string?)end.Data["code"]);
        Assert.Equal(string.Concat(router.Tokens.Take(2)), (string?)end.Data["message"]!["content"]);
        Assert.Equal(0, exitCode);
        await using var reader = ChatServiceHost.Start(database, redis.ConnectionString, router.BaseAddress);
        Assert.Equal("interrupted", await reader.ScalarAsync("SELECT status FROM chat.messages WHERE id = $1", Token, messageId));
    }
}
