using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using ChatPlatform.EventLog;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static ChatPlatform.Chat.Tests.Apis.OrganiseClient;
using static ChatPlatform.Chat.Tests.Apis.SearchClient;
using static ChatPlatform.Chat.Tests.ChatServiceHost;

namespace ChatPlatform.Chat.Tests.Apis;

/// <summary>
/// <c>GET /v1/search</c> on real PostgreSQL, its index fed by the chat-search consumer from the event log as the service
/// runs it (docs/conversations.md, Search).
/// </summary>
public sealed class SearchApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Words_are_found_by_stem_accent_language_and_the_parts_of_code_identifiers()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversation = await CreateConversationAsync(client);
        var texts = new Dictionary<string, string>
        {
            ["english"] = "She runs every morning before work.",
            ["german"] = "Die Häuser am Fluss sind alt und schön.",
            ["french"] = "Nous avons visité le château près du café.",
            ["spanish"] = "La niña comió una manzana en la estación.",
            ["camel"] = "Register it with services.AddHttpClient and inject IHttpClientFactory; HttpClientFactory pools handlers.",
            ["snake"] = "The column is called snake_case_name in the old schema.",
            ["dotted"] = "Prefer System.Text.Json over the older serializer.",
            ["cjk"] = "東京タワー に行きました",
        };
        var ids = new Dictionary<string, Guid>();
        foreach (var (key, text) in texts)
        {
            ids[key] = await PostMessageAsync(client, conversation, text);
        }
        await WaitForIndexAsync(client, "東京タワー", ids["cjk"]);

        Assert.Equal([ids["english"]], await MessageIdsAsync(client, "running"));
        Assert.Equal([ids["english"]], await MessageIdsAsync(client, "RUN"));
        Assert.Equal([ids["german"]], await MessageIdsAsync(client, "häuser"));
        Assert.Equal([ids["german"]], await MessageIdsAsync(client, "Hauser schon"));
        Assert.Equal([ids["french"]], await MessageIdsAsync(client, "chateau"));
        Assert.Equal([ids["french"]], await MessageIdsAsync(client, "visité"));
        Assert.Equal([ids["spanish"]], await MessageIdsAsync(client, "nina estacion"));
        Assert.Equal([ids["camel"]], await MessageIdsAsync(client, "HttpClientFactory"));
        Assert.Equal([ids["camel"]], await MessageIdsAsync(client, "client factory"));
        Assert.Equal([ids["camel"]], await MessageIdsAsync(client, "\"http client factory\""));
        Assert.Equal([ids["camel"]], await MessageIdsAsync(client, "AddHttpClient"));
        Assert.Equal([ids["snake"]], await MessageIdsAsync(client, "snake_case_name"));
        Assert.Equal([ids["snake"]], await MessageIdsAsync(client, "snake case"));
        Assert.Equal([ids["dotted"]], await MessageIdsAsync(client, "System.Text.Json"));
        Assert.Equal([ids["dotted"]], await MessageIdsAsync(client, "json serializer"));
        // CJK has no spaces to cut at: a run of it is one word, found whole, not by a part of it.
        Assert.Equal([ids["cjk"]], await MessageIdsAsync(client, "東京タワー"));
        Assert.Empty(await MessageIdsAsync(client, "東京"));
    }

    [Fact]
    public async Task Websearch_syntax_ranks_titles_first_pages_by_a_stable_cursor_and_marks_snippets_as_text()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var titled = await CreateConversationAsync(client, "Kubernetes upgrade plan");
        var other = await CreateConversationAsync(client);
        var hostile = await PostMessageAsync(client, other, "<script>alert(1)</script> the kubernetes <b>cluster</b> & more");
        var draft = await PostMessageAsync(client, other, "kubernetes draft notes");
        var ids = new List<Guid> { hostile, draft };
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await PostMessageAsync(client, other, $"kubernetes note number {i}"));
        }
        var inTitled = await PostMessageAsync(client, titled, "nothing about it here, only pods");
        await WaitForIndexAsync(client, "pods", inTitled);

        var all = await SearchAsync(client, "q=kubernetes&limit=50");
        var items = all["items"]!.AsArray();
        var pages = await AllPagesAsync(client, "q=kubernetes", limit: 2);
        var excluded = await MessageIdsAsync(client, "kubernetes -draft");
        var either = await MessageIdsAsync(client, "pods OR draft");
        var phrase = await MessageIdsAsync(client, "\"note number\"");
        var script = items.Single(i => (string?)i!["messageId"] == hostile.ToString())!;

        Assert.Equal("title", (string?)items[0]!["role"]);
        Assert.Null(items[0]!["messageId"]);
        Assert.Equal(titled.ToString(), (string?)items[0]!["conversationId"]);
        Assert.Equal("Kubernetes upgrade plan", (string?)items[0]!["title"]);
        Assert.Equal(7, items.Count);
        Assert.Equal(items.Select(i => (string?)i!["messageId"] ?? (string?)i!["conversationId"]), pages);
        Assert.DoesNotContain(draft, excluded);
        Assert.Equal(6, excluded.Count + 1); // the title's hit has no message id
        Assert.Equal(new[] { draft, inTitled }.Order(), either.Order());
        Assert.Equal(4, phrase.Count);
        var snippet = (string)script["snippet"]!;
        Assert.Contains("alert(1)</script>", snippet, StringComparison.Ordinal);
        Assert.Contains("<b>cluster</b>", snippet, StringComparison.Ordinal);
        var match = Assert.Single(script["matches"]!.AsArray());
        Assert.Equal("kubernetes", snippet.Substring((int)match!["start"]!, (int)match["length"]!));
        Assert.Equal("user", (string?)script["role"]);
        Assert.Null((string?)all["nextCursor"]);
    }

    [Fact]
    public async Task Search_never_shows_another_users_rows_whatever_the_filters()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var mine = host.ClientFor(Guid.NewGuid());
        using var theirs = host.ClientFor(Guid.NewGuid());
        var theirFolder = await CreateFolderAsync(theirs, "Secrets");
        var theirConversation = await CreateConversationAsync(theirs, "Merger secret plan");
        await PatchAsync(theirs, theirConversation, $$"""{"folderId":"{{theirFolder}}","tags":["secret"],"archived":true}""");
        var theirMessage = await PostMessageAsync(theirs, theirConversation, "merger codename bluebird");
        var myConversation = await CreateConversationAsync(mine);
        var myMessage = await PostMessageAsync(mine, myConversation, "bluebird sighting in the garden");
        await WaitForIndexAsync(theirs, "bluebird", theirMessage, "&archived=true");
        await WaitForIndexAsync(mine, "bluebird", myMessage);

        Assert.Equal([myMessage], await MessageIdsAsync(mine, "bluebird", "&archived=true"));
        Assert.Empty((await SearchAsync(mine, "q=merger&archived=true"))["items"]!.AsArray());
        Assert.Empty((await SearchAsync(mine, $"q=bluebird&folder={theirFolder}&archived=true"))["items"]!.AsArray());
        Assert.Empty((await SearchAsync(mine, "q=bluebird&tag=secret&archived=true"))["items"]!.AsArray());
        Assert.Equal([theirMessage], await MessageIdsAsync(theirs, "bluebird", "&archived=true"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.ClientFor(null).GetAsync("/v1/search?q=bluebird", Token)).StatusCode);
    }

    [Fact]
    public async Task Filters_follow_the_conversation_and_archived_ones_are_left_out_unless_asked()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var folder = await CreateFolderAsync(client, "Work");
        var filed = await CreateConversationAsync(client, model: "gpt-4o-mini");
        var loose = await CreateConversationAsync(client);
        var inFiled = await PostMessageAsync(client, filed, "quarterly report figures");
        var inLoose = await PostMessageAsync(client, loose, "quarterly report draft");
        await PatchAsync(client, filed, $$"""{"folderId":"{{folder}}","tags":["Finance"]}""");
        await PatchAsync(client, loose, """{"archived":true}""");
        await Eventually.GetAsync(() => MessageIdsAsync(client, "quarterly", $"&folder={folder}"), ids => ids.Count == 1, Token);
        await Eventually.GetAsync(() => MessageIdsAsync(client, "quarterly"), ids => ids.Count == 1, Token);
        var today = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal([inFiled], await MessageIdsAsync(client, "quarterly"));
        Assert.Equal(new[] { inFiled, inLoose }.Order(), (await MessageIdsAsync(client, "quarterly", "&archived=true")).Order());
        Assert.Equal([inFiled], await MessageIdsAsync(client, "quarterly", $"&folder={folder}&archived=true"));
        Assert.Equal([inLoose], await MessageIdsAsync(client, "quarterly", "&folder=none&archived=true"));
        Assert.Equal([inFiled], await MessageIdsAsync(client, "quarterly", "&tag=FINANCE&archived=true"));
        Assert.Equal([inFiled], await MessageIdsAsync(client, "quarterly", "&model=gpt-4o-mini&archived=true"));
        Assert.Equal(2, (await MessageIdsAsync(client, "quarterly", $"&from={today}&to={today}&archived=true")).Count);
        Assert.Empty(await MessageIdsAsync(client, "quarterly", "&to=2020-01-01&archived=true"));

        await PatchAsync(client, loose, """{"archived":false}""");
        await Eventually.GetAsync(() => MessageIdsAsync(client, "quarterly"), ids => ids.Count == 2, Token);
    }

    [Fact]
    public async Task A_match_off_the_current_branch_opens_with_its_branch_selected_by_its_message_id()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversation = await CreateConversationAsync(client);
        var root = await PostMessageAsync(client, conversation, "first question");
        var original = await PostMessageAsync(client, conversation, "a follow-up about penguins");
        var edited = await PostMessageAsync(client, conversation, "a follow-up about walruses", root);
        await WaitForIndexAsync(client, "walruses", edited);

        var hit = (await SearchAsync(client, "q=penguins"))["items"]!.AsArray().Single()!;
        using var select = await client.PutAsJsonAsync($"/v1/conversations/{hit["conversationId"]}/leaf", new { messageId = (string?)hit["messageId"] }, Token);
        var opened = await ReadJsonAsync(select, Token);

        Assert.Equal(original.ToString(), (string?)hit["messageId"]);
        Assert.Equal(HttpStatusCode.OK, select.StatusCode);
        Assert.Equal([root, original], opened["messages"]!.AsArray().Select(m => Id(m!)));
    }

    [Fact]
    public async Task Titles_renames_and_deletions_reach_the_index_and_applying_an_event_twice_changes_nothing()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        var me = Guid.NewGuid();
        using var client = host.ClientFor(me);
        var named = await CreateConversationAsync(client);
        var message = await PostMessageAsync(client, named, "how do otters sleep");
        await WaitForIndexAsync(client, "otters", message);

        // The title generator's write commits chat.conversation.updated, which indexes the title.
        await host.Services.GetRequiredService<TitleStore>().SetTitleIfMissingAsync(me, named, "Nocturnal otters", null, Token);
        var titled = await Eventually.GetAsync(() => SearchAsync(client, "q=nocturnal"), page => page["items"]!.AsArray().Count == 1, Token);
        await PatchAsync(client, named, """{"title":"Sea mammals"}""");
        await Eventually.GetAsync(() => SearchAsync(client, "q=mammals"), page => page["items"]!.AsArray().Count == 1, Token);
        var rows = await host.CountAsync("SELECT count(*) FROM chat.search_entries WHERE user_id = $1", Token, me);
        var created = await ReplayAsync(host, ConversationStore.MessageCreatedEvent, named);
        var updated = await ReplayAsync(host, ConversationStore.ConversationUpdatedEvent, named);
        var rowsAfterReplay = await host.CountAsync("SELECT count(*) FROM chat.search_entries WHERE user_id = $1", Token, me);
        var oldTitle = await SearchAsync(client, "q=nocturnal");

        Assert.Equal("title", (string?)titled["items"]![0]!["role"]);
        Assert.Equal(2, rows);
        Assert.True(created && updated);
        Assert.Equal(rows, rowsAfterReplay);
        Assert.Empty(oldTitle["items"]!.AsArray());

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/conversations/{named}", Token)).StatusCode);
        await Eventually.GetAsync(() => host.CountAsync("SELECT count(*) FROM chat.search_entries WHERE user_id = $1", Token, me), n => n == 0, Token);
        Assert.True(await ReplayAsync(host, ConversationStore.MessageCreatedEvent, named));
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.search_entries WHERE user_id = $1", Token, me));

        var other = await CreateConversationAsync(client);
        await WaitForIndexAsync(client, "beavers", await PostMessageAsync(client, other, "beavers build dams"));
        await AppendEventAsync(host, AccountDeletions.AccountDeletedEvent, me.ToString(), new AccountDeleted(me));
        await Eventually.GetAsync(() => host.CountAsync("SELECT count(*) FROM chat.search_entries WHERE user_id = $1", Token, me), n => n == 0, Token);
    }

    [Fact]
    public async Task A_conversation_named_at_creation_is_found_by_its_title_before_any_message()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var named = await CreateConversationAsync(client, title: "Quarterly walrus census");
        await CreateConversationAsync(client);

        var page = await Eventually.GetAsync(() => SearchAsync(client, "q=walrus"), p => p["items"]!.AsArray().Count == 1, Token);

        Assert.Equal("title", (string?)page["items"]![0]!["role"]);
        Assert.Equal(named, Guid.Parse((string)page["items"]![0]!["conversationId"]!));
    }

    [Theory]
    [InlineData("", "q")]
    [InlineData("q=", "q")]
    [InlineData("q=%20%20", "q")]
    [InlineData("q=a%01b", "q")]
    [InlineData("q=TOO_LONG", "q")]
    [InlineData("q=x&limit=0", "limit")]
    [InlineData("q=x&limit=51", "limit")]
    [InlineData("q=x&limit=ten", "limit")]
    [InlineData("q=x&cursor=..%2F..%2F", "cursor")]
    [InlineData("q=x&cursor=AAAA", "cursor")]
    [InlineData("q=x&archived=maybe", "archived")]
    [InlineData("q=x&folder=nope", "folder")]
    [InlineData("q=x&from=yesterday", "from")]
    [InlineData("q=x&from=2026-02-01&to=2026-01-01", "to")]
    [InlineData("q=x&tag=%20", "tag")]
    public async Task Bad_parameters_answer_400_problem_details_naming_them(string query, string field)
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        query = query.Replace("TOO_LONG", new string('a', SearchRules.MaxQueryLength + 1), StringComparison.Ordinal);

        using var response = await client.GetAsync($"/v1/search?{query}", Token);
        var problem = await ReadJsonAsync(response, Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task Queries_of_punctuation_or_operators_alone_find_nothing_rather_than_fail()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var conversation = await CreateConversationAsync(client);
        await WaitForIndexAsync(client, "walrus", await PostMessageAsync(client, conversation, "the walrus & the carpenter"));

        foreach (var q in new[] { "&", "!", "-", "\"", "OR", "(:*)", "'", "\\", "<->", "a:*", "the" })
        {
            using var response = await client.GetAsync($"/v1/search?q={Uri.EscapeDataString(q)}", Token);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{q}: {(int)response.StatusCode}");
        }
        Assert.Single(await MessageIdsAsync(client, "walrus & carpenter"));
    }

    /// <summary>Hands the indexer again the last event of <paramref name="type"/> for the conversation, as a redelivery would.</summary>
    private static async Task<bool> ReplayAsync(ChatServiceHost host, string type, Guid conversationId)
    {
        await using var connection = new NpgsqlConnection(host.Database);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand(
            "SELECT id, position, payload::text FROM events.events WHERE type = $1 AND key = $2 ORDER BY position DESC LIMIT 1", connection);
        command.Parameters.Add(new() { Value = type });
        command.Parameters.Add(new() { Value = conversationId.ToString() });
        await using var reader = await command.ExecuteReaderAsync(Token);
        if (!await reader.ReadAsync(Token))
        {
            return false;
        }
        var e = new EventRecord(reader.GetGuid(0), reader.GetInt64(1), type, conversationId.ToString(),
            System.Text.Json.JsonDocument.Parse(reader.GetString(2)).RootElement, DateTimeOffset.UtcNow, null);
        await using var scope = host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SearchIndexer>().HandleAsync(e, Token);
        return true;
    }

    private static async Task AppendEventAsync<T>(ChatServiceHost host, string type, string key, T payload)
    {
        await using var connection = new NpgsqlConnection(host.Database);
        await connection.OpenAsync(Token);
        await using var transaction = await connection.BeginTransactionAsync(Token);
        await host.Services.GetRequiredService<IEventLog>().AppendAsync(connection, transaction, EventToAppend.Create(type, key, payload), Token);
        await transaction.CommitAsync(Token);
    }
}
