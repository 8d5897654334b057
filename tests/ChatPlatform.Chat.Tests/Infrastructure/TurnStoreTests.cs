using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.Testing;
using Npgsql;
using static ChatPlatform.Chat.Tests.TurnStreams;

namespace ChatPlatform.Chat.Tests.Infrastructure;

public sealed class TurnStoreTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_turn_costs_three_round_trips_and_one_commit_of_its_own(bool quotas)
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await ChatServiceHost.StartAsync(postgres, redis, Token, router.BaseAddress,
            new Dictionary<string, string> { ["Quotas:Enabled"] = quotas ? "true" : "false" });
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

        // First a read, outside any transaction, of the files on the path (the conversation's model, and no walk when it
        // never had a file), because ingestion must be asked about them before anything is written. Start: one batch locks
        // and reads the conversation, writes both messages, reads the context and writes the user message's event (its
        // payload built by the database from the row just written) and the COMMIT; finish: one batch with the answer and its
        // events, then its COMMIT (not traced, like a transaction's BEGIN). It was ten round trips and two commits, then
        // three and two, then two and one before files. With quotas the first read also brings the context, which the
        // quota check counts before the write, and the start's batch does not read it again: its COMMIT stays in it.
        Assert.True(roundTrips.Count == 3, $"{roundTrips.Count} round trips:\n" + string.Join("\n---\n", roundTrips));
        Assert.Contains("has_files", roundTrips[0], StringComparison.Ordinal);
        Assert.DoesNotContain("COMMIT", roundTrips[0], StringComparison.Ordinal);
        Assert.Equal(quotas, roundTrips[0].Contains("WITH RECURSIVE up AS", StringComparison.Ordinal) && roundTrips[0].Contains("spent", StringComparison.Ordinal));
        Assert.Contains("FOR UPDATE", roundTrips[1], StringComparison.Ordinal);
        Assert.Contains("pg_notify", roundTrips[1], StringComparison.Ordinal);
        Assert.Equal(!quotas, roundTrips[1].Contains("spent", StringComparison.Ordinal));
        Assert.EndsWith("COMMIT", roundTrips[1].TrimEnd(), StringComparison.Ordinal);
        Assert.StartsWith("UPDATE chat.messages", roundTrips[2].TrimStart(), StringComparison.Ordinal);
        var created = await host.ScalarAsync("""
            SELECT e.payload = jsonb_build_object('userId', m.user_id, 'conversationId', m.conversation_id, 'messageId', m.id, 'parentId', m.parent_id, 'role', 'user')
                AND m.parent_id IS NOT NULL AND e.trace_parent IS NOT NULL
            FROM events.events e JOIN chat.messages m ON m.id = (e.payload->>'messageId')::uuid
            WHERE e.type = 'chat.message.created' AND e.key = $1::text
            ORDER BY e.position DESC LIMIT 1
            """, Token, conversationId.ToString());
        Assert.Equal(true, created);

        // A regeneration writes no user message, so no event: the same read of the files, one round trip, then the finish's.
        var answerId = await host.ScalarAsync("SELECT current_leaf_id FROM chat.conversations WHERE id = $1", Token, conversationId);
        recorder.Start();
        using (var regenerate = await OpenAsync(
            client, new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversationId}/messages/{answerId}/regenerate"), Token))
        {
            Assert.Equal("done", (await ReadAllAsync(regenerate, Token))[^1].Type);
        }
        var regenerated = recorder.Stop();
        Assert.True(regenerated.Count == 3, $"{regenerated.Count} round trips:\n" + string.Join("\n---\n", regenerated));
        Assert.Equal(!quotas, regenerated[1].TrimEnd().EndsWith("COMMIT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Walking_up_a_conversation_probes_one_message_per_level_even_in_a_generic_plan()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await ChatServiceHost.StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await Apis.TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);
        for (var turn = 0; turn < 6; turn++)
        {
            using var response = await PostTurnAsync(client, conversationId, $$"""{"content":"Turn {{turn}}"}""", Token);
            await ReadAllAsync(response, Token);
        }
        var leaf = await host.ScalarAsync("SELECT current_leaf_id FROM chat.conversations WHERE id = $1", Token, conversationId);
        var userId = await host.ScalarAsync("SELECT user_id FROM chat.conversations WHERE id = $1", Token, conversationId);

        // Other conversations, this user's and 49 others' (ten each), and statistics, as a table in use would have.
        await host.ScalarAsync("""
            INSERT INTO chat.messages (user_id, conversation_id, id, parent_id, role, content, status, created_at, sibling_index)
            SELECT CASE WHEN i % 50 = 0 THEN $1 ELSE md5((i % 50)::text)::uuid END, md5((i % 500)::text)::uuid, gen_random_uuid(), NULL, 'user', 'x', 'complete', now(), 0
            FROM generate_series(1, 5000) i
            """, Token, userId!);
        await host.ScalarAsync("ANALYZE chat.messages", Token);

        foreach (var (sql, budget) in new[] { (Chat.Infrastructure.TurnStore.ContextSql("$3"), ", 2147483647"), (Chat.Infrastructure.ConversationStore.PathSql, "") })
        {
            // The plan a prepared statement settles on after five runs, whatever the parameters: the one that went quadratic.
            await using var connection = new NpgsqlConnection(host.Database);
            await connection.OpenAsync(Token);
            var types = budget.Length == 0 ? "uuid, uuid, uuid" : "uuid, uuid, uuid, int";
            await using (var prepare = new NpgsqlCommand($"SET plan_cache_mode = force_generic_plan; PREPARE walk({types}) AS {sql}", connection))
            {
                await prepare.ExecuteNonQueryAsync(Token);
            }
            await using var explain = new NpgsqlCommand(
                $"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) EXECUTE walk('{userId}', '{conversationId}', '{leaf}'{budget})", connection);
            var plan = new List<string>();
            await using (var reader = await explain.ExecuteReaderAsync(Token))
            {
                while (await reader.ReadAsync(Token))
                {
                    plan.Add(reader.GetString(0));
                }
            }
            var text = string.Join('\n', plan);

            // Twelve messages, each found by its key from its child: no join that reads the whole conversation at each level.
            Assert.DoesNotContain("Hash Join", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Bitmap", text, StringComparison.Ordinal);
            Assert.True(plan.Any(line => line.Contains("Index Scan using messages_pkey", StringComparison.Ordinal) && line.Contains("loops=12", StringComparison.Ordinal)), text);
        }
    }

    [Fact]
    public async Task A_context_read_stops_once_the_window_is_spent_and_the_model_is_sent_the_same_messages()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await ChatServiceHost.StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await Apis.TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.TinyModel, "You are terse.");
        for (var turn = 0; turn < 6; turn++)
        {
            using var response = await PostTurnAsync(client, conversationId, $$"""{"content":"Question {{turn}} {{new string('x', 80 * turn)}}"}""", Token);
            Assert.Equal("done", (await ReadAllAsync(response, Token))[^1].Type);
        }
        var leaf = (Guid)(await host.ScalarAsync("SELECT current_leaf_id FROM chat.conversations WHERE id = $1", Token, conversationId))!;
        var userId = (Guid)(await host.ScalarAsync("SELECT user_id FROM chat.conversations WHERE id = $1", Token, conversationId))!;
        var tiny = new Chat.Infrastructure.RouterModel(FakeModelRouter.TinyModel, 300, 50);
        var question = new Chat.Model.ContextMessage(Chat.Model.MessageRole.User, "Next question");

        async Task<List<Chat.Model.ContextMessage>> ReadAsync(int budget)
        {
            await using var connection = new NpgsqlConnection(host.Database);
            await connection.OpenAsync(Token);
            await using var command = new NpgsqlCommand(Chat.Infrastructure.TurnStore.ContextSql("$3"), connection)
            {
                Parameters = { new() { Value = userId }, new() { Value = conversationId }, new() { Value = leaf }, new() { Value = budget } },
            };
            var path = new List<Chat.Model.ContextMessage>();
            await using var reader = await command.ExecuteReaderAsync(Token);
            while (await reader.ReadAsync(Token))
            {
                path.Add(new(Enum.Parse<Chat.Model.MessageRole>(reader.GetString(0), ignoreCase: true), reader.GetString(1)));
            }
            return path;
        }

        var whole = await ReadAsync(int.MaxValue);
        var bounded = await ReadAsync(Chat.Services.ContextBuilder.LargestBudget([tiny]));

        Assert.Equal(12, whole.Count);
        Assert.InRange(bounded.Count, 1, whole.Count - 2);
        Assert.Equal(whole.TakeLast(bounded.Count), bounded);
        Assert.Equal(
            Chat.Services.ContextBuilder.Build("You are terse.", [.. whole, question], tiny),
            Chat.Services.ContextBuilder.Build("You are terse.", [.. bounded, question], tiny));
    }

    [Fact]
    public async Task A_start_whose_event_cannot_be_written_commits_nothing_and_leaves_its_connection_usable()
    {
        await using var router = await FakeModelRouter.StartAsync(Token);
        await using var host = await ChatServiceHost.StartAsync(postgres, redis, Token, router.BaseAddress);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversationId = await Apis.TurnsApiTests.CreateConversationAsync(client, FakeModelRouter.FastModel);
        // The COMMIT rides in the event's batch: an insert that fails there must take the messages written before it along.
        await host.ScalarAsync("""
            CREATE FUNCTION public.refuse_message_created() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.type = 'chat.message.created' THEN RAISE EXCEPTION 'refused by the test'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_message_created BEFORE INSERT ON events.events FOR EACH ROW EXECUTE FUNCTION public.refuse_message_created();
            """, Token);

        using (var refused = await client.PostAsync($"/v1/conversations/{conversationId}/turns", ChatServiceHost.Json("""{"content":"Hi"}"""), Token))
        {
            Assert.Equal(System.Net.HttpStatusCode.InternalServerError, refused.StatusCode);
        }
        Assert.Equal(0L, await host.ScalarAsync("SELECT count(*) FROM chat.messages WHERE conversation_id = $1", Token, conversationId));
        Assert.Equal(DBNull.Value, await host.ScalarAsync("SELECT current_leaf_id FROM chat.conversations WHERE id = $1", Token, conversationId));

        await host.ScalarAsync("DROP TRIGGER refuse_message_created ON events.events", Token);
        for (var turn = 0; turn < 3; turn++)
        {
            using var response = await PostTurnAsync(client, conversationId, """{"content":"Hi again"}""", Token);
            Assert.Equal("done", (await ReadAllAsync(response, Token))[^1].Type);
        }
        Assert.Equal(6L, await host.ScalarAsync("SELECT count(*) FROM chat.messages WHERE conversation_id = $1", Token, conversationId));
    }
}
