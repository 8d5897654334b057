using System.Net;
using System.Net.Http.Json;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Services;
using ChatPlatform.Chat.Tests.Fakes;
using ChatPlatform.EventLog;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static ChatPlatform.Chat.Tests.Apis.OrganiseClient;
using static ChatPlatform.Chat.Tests.Apis.SearchClient;
using static ChatPlatform.Chat.Tests.ChatServiceHost;

namespace ChatPlatform.Chat.Tests.Apis;

/// <summary>
/// <c>GET /v1/search</c> by meaning as well as by words: entries embedded off the request path through ingestion's
/// embeddings route (a fake ingestion with the real all-MiniLM-L6-v2 model), stored with pgvector, fused by rank.
/// </summary>
public sealed class SemanticSearchTests(PostgresFixture postgres, RedisFixture redis) : IAsyncLifetime
{
    private FakeIngestion _ingestion = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _ingestion = await FakeIngestion.StartAsync(Token);

    public async ValueTask DisposeAsync() => await _ingestion.DisposeAsync();

    private Task<ChatServiceHost> StartHostAsync(bool semantic = true) => ChatServiceHost.StartAsync(postgres, redis, Token, settings: new Dictionary<string, string>
    {
        ["services:ingestion:http:0"] = _ingestion.BaseAddress.ToString().TrimEnd('/'),
        ["Search:Semantic"] = semantic ? "true" : "false",
        ["Search:RetryDelay"] = "00:00:00.200",
    });

    [Fact]
    public async Task A_paraphrase_without_a_shared_word_finds_the_message_and_opens_it_on_its_branch()
    {
        await using var host = await StartHostAsync();
        var me = Guid.NewGuid();
        using var client = host.ClientFor(me);
        var conversation = await CreateConversationAsync(client);
        var root = await PostMessageAsync(client, conversation, "A question about my weekend.");
        var original = await PostMessageAsync(client, conversation, "I spent the whole weekend fixing my car in the garage.");
        // An edit: a sibling branch, now the current one, so the match is off the branch on screen.
        var cake = await PostMessageAsync(client, conversation, "A recipe for lemon cake.", root);
        await WaitForEmbeddedAsync(host, me, 3);

        var hit = Assert.Single((await SearchAsync(client, "q=automobile%20repair"))["items"]!.AsArray())!;
        using var select = await client.PutAsJsonAsync($"/v1/conversations/{conversation}/leaf", new { messageId = (string?)hit["messageId"] }, Token);
        var opened = await ReadJsonAsync(select, Token);

        Assert.Equal(original.ToString(), (string?)hit["messageId"]);
        Assert.Empty(hit["matches"]!.AsArray());
        Assert.StartsWith("I spent the whole weekend", (string)hit["snippet"]!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, select.StatusCode);
        Assert.Equal([root, original], opened["messages"]!.AsArray().Select(m => Id(m!)));
        Assert.Contains(cake, await MessageIdsAsync(client, "dessert baking"));
        // Websearch syntax asks for exact words: no match by meaning then.
        Assert.Empty(await MessageIdsAsync(client, "\"automobile repair\""));
    }

    [Fact]
    public async Task Found_both_by_words_and_by_meaning_ranks_above_found_one_way()
    {
        await using var host = await StartHostAsync();
        var me = Guid.NewGuid();
        using var client = host.ClientFor(me);
        var conversation = await CreateConversationAsync(client);
        var byMeaning = await PostMessageAsync(client, conversation, "The mechanic is fixing my car's brakes tomorrow.");
        var byWordsOnly = await PostMessageAsync(client, conversation, "Invoice 4471: repair of automobile line items, see attached ledger codes.");
        var both = await PostMessageAsync(client, conversation, "Automobile repair: the garage is fixing the engine of my car.");
        await WaitForEmbeddedAsync(host, me, 3);

        var found = await MessageIdsAsync(client, "automobile repair");

        Assert.Equal(both, found[0]);
        Assert.Contains(byMeaning, found);
        Assert.Contains(byWordsOnly, found);
    }

    [Fact]
    public async Task Filters_apply_to_matches_by_meaning_as_to_matches_by_words()
    {
        await using var host = await StartHostAsync();
        var me = Guid.NewGuid();
        using var client = host.ClientFor(me);
        var folder = await CreateFolderAsync(client, "Garage");
        var filed = await CreateConversationAsync(client, model: "gpt-4o-mini");
        var loose = await CreateConversationAsync(client);
        var inFiled = await PostMessageAsync(client, filed, "fixing my car's gearbox took all day");
        var inLoose = await PostMessageAsync(client, loose, "my car is being fixed by a mechanic");
        await PatchAsync(client, filed, $$"""{"folderId":"{{folder}}","tags":["Cars"]}""");
        await PatchAsync(client, loose, """{"archived":true}""");
        await WaitForEmbeddedAsync(host, me, 2);
        await Eventually.GetAsync(() => MessageIdsAsync(client, "automobile repair"), ids => ids.Count == 1, Token);
        var today = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal([inFiled], await MessageIdsAsync(client, "automobile repair"));
        Assert.Equal(new[] { inFiled, inLoose }.Order(), (await MessageIdsAsync(client, "automobile repair", "&archived=true")).Order());
        Assert.Equal([inFiled], await MessageIdsAsync(client, "automobile repair", $"&folder={folder}&archived=true"));
        Assert.Equal([inLoose], await MessageIdsAsync(client, "automobile repair", "&folder=none&archived=true"));
        Assert.Equal([inFiled], await MessageIdsAsync(client, "automobile repair", "&tag=cars&archived=true"));
        Assert.Empty(await MessageIdsAsync(client, "automobile repair", "&tag=boats&archived=true"));
        Assert.Equal([inFiled], await MessageIdsAsync(client, "automobile repair", "&model=gpt-4o-mini&archived=true"));
        Assert.Equal(2, (await MessageIdsAsync(client, "automobile repair", $"&from={today}&to={today}&archived=true")).Count);
        Assert.Empty(await MessageIdsAsync(client, "automobile repair", "&to=2020-01-01&archived=true"));
    }

    [Fact]
    public async Task Another_users_messages_are_never_found_by_meaning()
    {
        await using var host = await StartHostAsync();
        var mine = Guid.NewGuid();
        var theirs = Guid.NewGuid();
        using var me = host.ClientFor(mine);
        using var them = host.ClientFor(theirs);
        var theirFolder = await CreateFolderAsync(them, "Secrets");
        var theirConversation = await CreateConversationAsync(them);
        await PatchAsync(them, theirConversation, $$"""{"folderId":"{{theirFolder}}","tags":["secret"]}""");
        var theirMessage = await PostMessageAsync(them, theirConversation, "They are fixing my car at the secret garage.");
        var myConversation = await CreateConversationAsync(me);
        var myMessage = await PostMessageAsync(me, myConversation, "Tomorrow the mechanic is fixing my car.");
        await WaitForEmbeddedAsync(host, theirs, 1);
        await WaitForEmbeddedAsync(host, mine, 1);

        Assert.Equal([myMessage], await MessageIdsAsync(me, "automobile repair", "&archived=true"));
        Assert.Empty(await MessageIdsAsync(me, "automobile repair", $"&folder={theirFolder}&archived=true"));
        Assert.Empty(await MessageIdsAsync(me, "automobile repair", "&tag=secret&archived=true"));
        Assert.Equal([theirMessage], await MessageIdsAsync(them, "automobile repair", "&archived=true"));
    }

    [Fact]
    public async Task A_changed_text_loses_its_old_vector_and_a_deleted_conversation_its_vectors()
    {
        await using var host = await StartHostAsync();
        var me = Guid.NewGuid();
        using var client = host.ClientFor(me);
        var conversation = await CreateConversationAsync(client);
        var message = await PostMessageAsync(client, conversation, "fixing my car before the road trip");
        await WaitForEmbeddedAsync(host, me, 1);
        Assert.Equal([message], await MessageIdsAsync(client, "automobile repair"));

        // An answer's text changes when it completes: the consumer rewrites the row, and the old text's vector goes with it.
        await host.ScalarAsync("UPDATE chat.messages SET content = 'a recipe for lemon cake' WHERE user_id = $1 AND id = $2", Token, me, message);
        await ReplayAsync(host, ConversationStore.MessageCreatedEvent, conversation);
        await Eventually.GetAsync(() => MessageIdsAsync(client, "dessert baking"), ids => ids.Contains(message), Token);
        Assert.Empty(await MessageIdsAsync(client, "automobile repair"));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/conversations/{conversation}", Token)).StatusCode);
        await Eventually.GetAsync(
            () => host.CountAsync("SELECT count(*) FROM chat.search_entries WHERE user_id = $1 AND embedding IS NOT NULL", Token, me), n => n == 0, Token);
        Assert.Empty(await MessageIdsAsync(client, "dessert baking"));
    }

    [Fact]
    public async Task Without_the_model_search_answers_by_words_and_entries_are_embedded_once_it_is_back()
    {
        await using var host = await StartHostAsync();
        var me = Guid.NewGuid();
        using var client = host.ClientFor(me);
        _ingestion.EmbeddingsDown = true;
        var conversation = await CreateConversationAsync(client);
        var message = await PostMessageAsync(client, conversation, "fixing my car in the rain");
        await WaitForIndexAsync(client, "rain", message);

        Assert.Empty(await MessageIdsAsync(client, "automobile repair"));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.search_entries WHERE user_id = $1 AND embedding IS NOT NULL", Token, me));

        _ingestion.EmbeddingsDown = false;
        await WaitForEmbeddedAsync(host, me, 1);
        Assert.Equal([message], await MessageIdsAsync(client, "automobile repair"));
    }

    [Fact]
    public async Task With_semantic_search_off_nothing_is_embedded_and_only_words_match()
    {
        await using var host = await StartHostAsync(semantic: false);
        var me = Guid.NewGuid();
        using var client = host.ClientFor(me);
        var conversation = await CreateConversationAsync(client);
        var message = await PostMessageAsync(client, conversation, "fixing my car in the snow");
        await WaitForIndexAsync(client, "snow", message);
        var embeddedBefore = _ingestion.TextsEmbedded;

        Assert.Empty(await MessageIdsAsync(client, "automobile repair"));
        Assert.Equal(embeddedBefore, _ingestion.TextsEmbedded);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.search_entries WHERE user_id = $1 AND embedding IS NOT NULL", Token, me));
    }

    private static Task<long> WaitForEmbeddedAsync(ChatServiceHost host, Guid userId, int count) => Eventually.GetAsync(
        () => host.CountAsync("SELECT count(*) FROM chat.search_entries WHERE user_id = $1 AND role <> 'title' AND embedding IS NOT NULL", Token, userId),
        n => n >= count, Token);

    /// <summary>Hands the indexer again the last event of <paramref name="type"/> for the conversation, as a redelivery would.</summary>
    private static async Task ReplayAsync(ChatServiceHost host, string type, Guid conversationId)
    {
        await using var connection = new NpgsqlConnection(host.Database);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand(
            "SELECT id, position, payload::text FROM events.events WHERE type = $1 AND key = $2 ORDER BY position DESC LIMIT 1", connection);
        command.Parameters.Add(new() { Value = type });
        command.Parameters.Add(new() { Value = conversationId.ToString() });
        await using var reader = await command.ExecuteReaderAsync(Token);
        Assert.True(await reader.ReadAsync(Token));
        var e = new EventRecord(reader.GetGuid(0), reader.GetInt64(1), type, conversationId.ToString(),
            System.Text.Json.JsonDocument.Parse(reader.GetString(2)).RootElement, DateTimeOffset.UtcNow, null);
        await using var scope = host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SearchIndexer>().HandleAsync(e, Token);
    }
}
