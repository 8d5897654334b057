using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ChatPlatform.Chat.Tests.Infrastructure;

/// <summary>The search embedder's queue: rows claimed, embedded with no connection held, written only for unchanged texts.</summary>
public sealed class SearchEmbeddingStoreTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_text_changed_while_the_model_works_is_written_at_once_and_gets_no_stale_vector()
    {
        await using var host = await StartAsync();
        var (store, dataSource, userId) = (host.Services.GetRequiredService<SearchEmbeddingStore>(), host.Services.GetRequiredService<NpgsqlDataSource>(), Guid.NewGuid());
        var changed = await AddEntryAsync(host, userId, "The old text");
        var unchanged = await AddEntryAsync(host, userId, "A text left alone");
        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var embedding = store.EmbedPendingAsync(10, async (texts, _) =>
        {
            called.SetResult();
            await answer.Task;
            return Vectors(texts);
        }, Token);
        await called.Task.WaitAsync(TimeSpan.FromSeconds(30), Token);

        // While the model works: the search consumer's change does not wait on it, and another embedder takes nothing.
        await host.ScalarAsync($"SET lock_timeout = '2s'; UPDATE chat.search_entries SET body = 'The new text' WHERE id = '{changed}'", Token);
        Assert.Equal(0, await store.EmbedPendingAsync(10, (_, _) => throw new InvalidOperationException("Nothing is free to embed."), Token));
        answer.SetResult();
        Assert.Equal(2, await embedding);

        Assert.Equal((true, false), await StateAsync(dataSource, unchanged));
        Assert.Equal((false, false), await StateAsync(dataSource, changed));
        var embedded = new List<string>();
        Assert.Equal(1, await store.EmbedPendingAsync(10, (texts, _) =>
        {
            embedded.AddRange(texts);
            return Task.FromResult(Vectors(texts));
        }, Token));
        Assert.Equal(["The new text"], embedded);
        Assert.Equal((true, false), await StateAsync(dataSource, changed));
    }

    [Fact]
    public async Task A_model_that_fails_gives_up_the_claims_so_the_next_pass_takes_the_rows_again()
    {
        await using var host = await StartAsync();
        var (store, dataSource, userId) = (host.Services.GetRequiredService<SearchEmbeddingStore>(), host.Services.GetRequiredService<NpgsqlDataSource>(), Guid.NewGuid());
        var entry = await AddEntryAsync(host, userId, "Waiting for the model");

        await Assert.ThrowsAsync<HttpRequestException>(() =>
            store.EmbedPendingAsync(10, (_, _) => throw new HttpRequestException("The model is down."), Token));

        Assert.Equal((false, false), await StateAsync(dataSource, entry));
        Assert.Equal(1, await store.EmbedPendingAsync(10, (texts, _) => Task.FromResult(Vectors(texts)), Token));
        Assert.Equal((true, false), await StateAsync(dataSource, entry));
    }

    // Semantic search off: no background embedder takes the rows the test hands the store itself.
    private Task<ChatServiceHost> StartAsync() =>
        ChatServiceHost.StartAsync(postgres, redis, Token, settings: new Dictionary<string, string> { ["Search:Semantic"] = "false" });

    private static TextEmbeddings Vectors(IReadOnlyList<string> texts) =>
        new("test-model", [.. texts.Select(t => Enumerable.Range(0, 384).Select(i => (float)((t.Length + i) % 7 + 1)).ToArray())]);

    private static async Task<Guid> AddEntryAsync(ChatServiceHost host, Guid userId, string body)
    {
        var id = Guid.CreateVersion7();
        await host.ScalarAsync("""
            INSERT INTO chat.search_entries (user_id, id, conversation_id, role, body, model, archived, created_at)
            VALUES ($1, $2, $2, 'user', $3, 'gpt-4o', false, now())
            """, Token, userId, id, body);
        return id;
    }

    /// <summary>Whether the row has a vector, and whether it is still claimed.</summary>
    private static async Task<(bool Embedded, bool Claimed)> StateAsync(NpgsqlDataSource dataSource, Guid id)
    {
        await using var read = dataSource.CreateCommand(
            "SELECT embedding IS NOT NULL, embedding_claimed_until IS NOT NULL FROM chat.search_entries WHERE id = $1");
        read.Parameters.Add(new() { Value = id });
        await using var reader = await read.ExecuteReaderAsync(Token);
        Assert.True(await reader.ReadAsync(Token));
        return (reader.GetBoolean(0), reader.GetBoolean(1));
    }
}
