using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.Testing;
using Npgsql;
using static ChatPlatform.Chat.Tests.ChatServiceHost;
using static ChatPlatform.Chat.Tests.TurnStreams;

namespace ChatPlatform.Chat.Tests.Apis;

/// <summary><c>GET /v1/admin/chat/stats</c>: the admin console's answer figures (issue 18).</summary>
public sealed class AdminStatsApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static HttpClient AdminOf(ChatServiceHost host)
    {
        var client = host.ClientFor(null);
        client.DefaultRequestHeaders.Authorization = InternalTokens.Admin();
        return client;
    }

    [Fact]
    public async Task Stats_count_finished_answers_errors_and_time_to_first_token_in_the_window_and_live_streams()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var user = host.ClientFor(Guid.NewGuid());
        using var admin = AdminOf(host);
        var conversationId = await TurnsApiTests.CreateConversationAsync(user, FakeModelRouter.FastModel);

        // Two answers that complete and one the router refuses.
        for (var i = 0; i < 2; i++)
        {
            using var turn = await PostTurnAsync(user, conversationId, """{"content":"Hi"}""", Token);
            Assert.Equal("done", (await ReadAllAsync(turn, Token))[^1].Type);
        }
        router.FailWithStatus = 503;
        using (var failed = await PostTurnAsync(user, conversationId, """{"content":"Hi"}""", Token))
        {
            Assert.Equal("error", (await ReadAllAsync(failed, Token))[^1].Type);
        }
        router.FailWithStatus = null;
        // Finished two hours ago, with first tokens the window must not count: outside a 60-minute window.
        await ExecuteAsync(host, """
            UPDATE chat.messages SET finished_at = now() - interval '2 hours', time_to_first_token_ms = 100000
            WHERE id = (SELECT id FROM chat.messages WHERE role = 'assistant' AND status = 'complete' ORDER BY created_at LIMIT 1)
            """);
        await ExecuteAsync(host, "UPDATE chat.messages SET time_to_first_token_ms = 40 WHERE role = 'assistant' AND status = 'complete' AND finished_at > now() - interval '1 hour'");

        // One answer held mid-stream.
        router.HoldAfter(1);
        using var held = await PostTurnAsync(user, conversationId, """{"content":"Hold"}""", Token);
        await router.Holding.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);

        var stats = (await admin.GetFromJsonAsync<JsonObject>("/v1/admin/chat/stats?window=60", Token))!;

        Assert.Equal((60, 2L, 1L, 0.5, 1L, 1), ((int)stats["windowMinutes"]!, (long)stats["answers"]!, (long)stats["errors"]!,
            (double)stats["errorRate"]!, (long)stats["activeStreams"]!, (int)stats["activeStreamsHere"]!));
        Assert.Equal(Math.Round(2 / 60.0, 2), (double)stats["turnsPerMinute"]!);
        Assert.Equal((40.0, 40.0), ((double)stats["timeToFirstTokenP50Ms"]!, (double)stats["timeToFirstTokenP95Ms"]!));
        var minutes = stats["perMinute"]!.AsArray();
        Assert.Equal(2L, minutes.Sum(m => (long)m!["answers"]!));
        Assert.Equal(1L, minutes.Sum(m => (long)m!["errors"]!));

        // The wider window takes in the old answer too.
        var day = (await admin.GetFromJsonAsync<JsonObject>("/v1/admin/chat/stats?window=1440", Token))!;
        Assert.Equal(3L, (long)day["answers"]!);
        // The failed answer had no first token: the continuous percentile of 40 and 100,000 at 0.95 is 40 + 0.95 × 99,960.
        Assert.Equal(95002.0, (double)day["timeToFirstTokenP95Ms"]!);

        router.Release();
        Assert.Equal("done", (await ReadAllAsync(held, Token))[^1].Type);
        // The registry lets the turn go just after its last event is written.
        var after = await Eventually.GetAsync(
            async () => (await admin.GetFromJsonAsync<JsonObject>("/v1/admin/chat/stats", Token))!,
            s => (int)s["activeStreamsHere"]! == 0, Token);
        Assert.Equal((3L, 0L), ((long)after["answers"]!, (long)after["activeStreams"]!));
    }

    [Fact]
    public async Task Stats_are_for_admins_only_and_a_bad_window_is_a_400()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await StartAsync(postgres, redis, Token, router.BaseAddress);
        using var user = host.ClientFor(Guid.NewGuid());
        using var service = host.ClientFor(null);
        service.DefaultRequestHeaders.Authorization = InternalTokens.Service(Guid.NewGuid());
        using var anonymous = host.ClientFor(null);
        using var admin = AdminOf(host);

        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/v1/admin/chat/stats", Token)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await service.GetAsync("/v1/admin/chat/stats", Token)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/admin/chat/stats", Token)).StatusCode);
        foreach (var window in new[] { "0", "1441", "-5", "1h", "1e3", "" })
        {
            using var response = await admin.GetAsync($"/v1/admin/chat/stats?window={window}", Token);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.NotNull((await ReadJsonAsync(response, Token))["errors"]!["window"]);
        }
    }

    [Fact]
    public async Task The_window_is_read_through_the_index_of_finished_answers()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        // Starting the service applies its migrations.
        using var client = host.ClientFor(null);
        await client.GetAsync("/alive", Token);
        await using var connection = new NpgsqlConnection(host.Database);
        await connection.OpenAsync(Token);
        // Planner costs on an empty table favour a sequential scan; with it priced out the plan shows the index is usable.
        await using var command = new NpgsqlCommand("""
            SET enable_seqscan = off;
            EXPLAIN SELECT finished_at, status, time_to_first_token_ms FROM chat.messages
            WHERE role = 'assistant' AND finished_at IS NOT NULL AND finished_at > now() - interval '1 hour' AND finished_at <= now()
            """, connection);
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(Token))
        {
            while (await reader.ReadAsync(Token))
            {
                plan.Add(reader.GetString(0));
            }
        }

        Assert.Contains(plan, line => line.Contains("Index Only Scan using messages_answers_by_finish", StringComparison.Ordinal));
    }

    private static async Task ExecuteAsync(ChatServiceHost host, string sql)
    {
        await using var connection = new NpgsqlConnection(host.Database);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Token);
    }
}
