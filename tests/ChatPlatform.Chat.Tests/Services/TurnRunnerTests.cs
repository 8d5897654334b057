using ChatPlatform.Chat.Services;
using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static ChatPlatform.Chat.Tests.TurnStreams;

namespace ChatPlatform.Chat.Tests.Services;

public sealed class TurnRunnerTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_answer_whose_end_cannot_be_saved_ends_with_an_error_and_its_own_live_instance_marks_it_failed()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var database = await postgres.CreateDatabaseAsync(Token);
        await using var host = ChatServiceHost.Start(database, redis.ConnectionString, router.BaseAddress,
            new Dictionary<string, string> { ["Turns:StaleAfter"] = "00:01:00", ["Turns:SweepInterval"] = "01:00:00" },
            web => web.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(time)));
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await Apis.TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);
        // Fault injection on the final write: every update that ends an answer fails, and each try is counted.
        await host.ScalarAsync("CREATE SEQUENCE chat.final_saves_tried", Token);
        await host.ScalarAsync("""
            CREATE FUNCTION chat.fail_final_save() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM nextval('chat.final_saves_tried');
                RAISE EXCEPTION 'injected: the final save fails';
            END $$
            """, Token);
        await host.ScalarAsync("""
            CREATE TRIGGER fail_final_save BEFORE UPDATE ON chat.messages
            FOR EACH ROW WHEN (NEW.status <> 'streaming') EXECUTE FUNCTION chat.fail_final_save()
            """, Token);

        using var turn = await PostTurnAsync(client, conversationId, """{"content":"Hi there"}""", Token);
        var reading = ReadAllAsync(turn, Token);
        // The tries wait on the service's clock, which only moves when told to.
        while (!reading.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(reading, Task.Delay(20, Token));
        }
        var events = await reading;

        var end = events[^1];
        Assert.Equal("error", end.Type);
        Assert.Equal(TurnRunner.SaveFailedCode, (string?)end.Data["code"]);
        Assert.Equal("failed", (string?)end.Data["message"]!["status"]);
        Assert.Equal(router.Answer, Text(events));
        Assert.Equal(5L, await host.ScalarAsync("SELECT last_value FROM chat.final_saves_tried", Token));
        var messageId = Guid.Parse((string)end.Data["message"]!["id"]!);
        Assert.Equal("streaming", await host.ScalarAsync("SELECT status FROM chat.messages WHERE id = $1", Token, messageId));

        // Another answer streams on the same live instance: the sweeper must leave it alone.
        router.HoldAfter(1);
        using var held = await PostTurnAsync(client, conversationId, """{"content":"And again"}""", Token);
        await using var heldEvents = ReadAsync(held, Token).GetAsyncEnumerator(Token);
        var heldId = Guid.Parse((string)(await ReadFirstAsync(heldEvents, 2))[0].Data["assistantMessage"]!["id"]!);
        await host.ScalarAsync("DROP TRIGGER fail_final_save ON chat.messages", Token);
        var sweeper = host.Services.GetRequiredService<StaleTurnSweeper>();
        var heartbeat = host.Services.GetRequiredService<InstanceHeartbeat>();

        // Younger than StaleAfter, the answer could be a turn about to be registered: left alone.
        Assert.Equal(0, await sweeper.SweepAsync(Token));
        time.Advance(TimeSpan.FromMinutes(2));
        await heartbeat.BeatAsync(saveText: false, Token);
        Assert.Equal(1, await sweeper.SweepAsync(Token));
        Assert.Equal(0, await sweeper.SweepAsync(Token));

        Assert.Equal("failed", await host.ScalarAsync("SELECT status FROM chat.messages WHERE id = $1", Token, messageId));
        Assert.Equal(TurnRunner.SaveFailedCode, await host.ScalarAsync("SELECT error_code FROM chat.messages WHERE id = $1", Token, messageId));
        Assert.Equal(router.Answer, await host.ScalarAsync("SELECT content FROM chat.messages WHERE id = $1", Token, messageId));
        Assert.Equal("streaming", await host.ScalarAsync("SELECT status FROM chat.messages WHERE id = $1", Token, heldId));
        router.Release();
        var rest = new List<SseEvent>();
        while (await heldEvents.MoveNextAsync())
        {
            rest.Add(heldEvents.Current);
        }
        Assert.Equal("done", rest[^1].Type);
    }
}
