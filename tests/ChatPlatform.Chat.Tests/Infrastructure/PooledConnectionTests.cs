using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ChatPlatform.Chat.Tests.Infrastructure;

public sealed class PooledConnectionTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Statements_that_fail_on_bad_text_leave_every_pooled_connection_usable()
    {
        // A small pool, so that the connections a failed statement returns are the ones the good statements get next.
        var database = new NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync(Token)) { MaxPoolSize = 3 }.ConnectionString;
        await using var host = ChatServiceHost.Start(database, redis.ConnectionString, null);
        var store = host.Services.GetRequiredService<ConversationStore>();
        var userId = Guid.NewGuid();
        var conversation = await store.CreateAsync(userId, new CreateConversationRequest("gpt-4o", "Be brief.", "Plans"), Token);
        var unexpected = new List<Exception>();

        async Task BadAsync(int i)
        {
            try
            {
                await ((i % 3) switch
                {
                    0 => store.CreateAsync(userId, new CreateConversationRequest("gpt-4o", null, "Nul\0title"), Token),
                    1 => store.UpdateAsync(userId, conversation.Id, new UpdateConversationRequest { SystemPrompt = "Nul\0prompt" }, Token),
                    _ => (Task)store.AppendUserMessageAsync(userId, conversation.Id, "Nul\0message", null, false, Token),
                });
                lock (unexpected)
                {
                    unexpected.Add(new InvalidOperationException($"Bad statement {i} succeeded."));
                }
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CharacterNotInRepertoire)
            {
            }
            catch (Exception e)
            {
                lock (unexpected)
                {
                    unexpected.Add(e);
                }
            }
        }

        async Task GoodAsync(int i)
        {
            try
            {
                await ((i % 4) switch
                {
                    0 => store.CreateAsync(userId, new CreateConversationRequest("gpt-4o", null, $"Good {i}"), Token),
                    1 => store.ListAsync(userId, 5, null, ChatPlatform.Chat.Services.ConversationFilter.None, Token),
                    2 => store.FindWithCurrentPathAsync(userId, conversation.Id, Token),
                    _ => (Task)store.AppendUserMessageAsync(userId, conversation.Id, $"Good {i}", null, false, Token),
                });
            }
            catch (Exception e)
            {
                lock (unexpected)
                {
                    unexpected.Add(e);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 300).Select(i => i % 2 == 0 ? BadAsync(i / 2) : GoodAsync(i / 2)));

        Assert.True(unexpected.Count == 0, string.Join("\n---\n", unexpected.Take(3)));
    }
}
