using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static ChatPlatform.Chat.Tests.Apis.OrganiseClient;
using static ChatPlatform.Chat.Tests.ChatServiceHost;

namespace ChatPlatform.Chat.Tests.Apis;

public sealed class SharesApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private const string SystemPrompt = "SYSTEM-PROMPT-SECRET";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_share_is_the_branch_on_screen_without_the_system_prompt_the_owner_later_messages_or_other_branches()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        var owner = Guid.NewGuid();
        using var client = host.ClientFor(owner);
        using var nobody = Anonymous(host);
        var (conversation, first, shared) = await ConversationWithBranchesAsync(client);
        var answer = await InsertAnswerAsync(host, owner, conversation, shared, "The answer cites [1].");

        var share = await ShareAsync(client, conversation, answer);
        await AppendAsync(client, conversation, "LATER-MESSAGE", answer);
        using var read = await nobody.GetAsync($"/v1/shared/{share.Id}", Token);
        var body = await read.Content.ReadAsStringAsync(Token);
        var json = JsonNode.Parse(body)!;

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(22, share.Id.Length);
        Assert.Matches("^[A-Za-z0-9_-]{22}$", share.Id);
        Assert.Equal($"/s/{share.Id}", share.Url);
        Assert.Equal(["FIRST-QUESTION", "SHARED-BRANCH", "The answer cites [1]."], json["messages"]!.AsArray().Select(m => (string)m!["content"]!));
        Assert.Equal(["user", "user", "assistant"], json["messages"]!.AsArray().Select(m => (string)m!["role"]!));
        Assert.Equal("report.pdf", (string)json["messages"]![2]!["citations"]![0]!["fileName"]!);
        Assert.Equal("Shared title", (string)json["title"]!);
        Assert.False((bool)json["indexable"]!);
        Assert.True(read.Headers.CacheControl is { NoStore: true, Private: true });
        foreach (var secret in new[] { SystemPrompt, "OTHER-BRANCH", "LATER-MESSAGE", owner.ToString(), conversation.ToString(), first.ToString(), "fileId", CitedFile.ToString() })
        {
            Assert.DoesNotContain(secret, body, StringComparison.OrdinalIgnoreCase);
        }
        Assert.DoesNotContain(share.Id, conversation.ToString("N"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_share_keeps_its_copy_through_edits_until_it_is_resnapshot()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        using var nobody = Anonymous(host);
        var (conversation, _, shared) = await ConversationWithBranchesAsync(client);
        var share = await ShareAsync(client, conversation, shared);
        var later = await AppendAsync(client, conversation, "ADDED-LATER", shared);
        var other = await CreateConversationAsync(client, "Other");
        var elsewhere = await AppendAsync(client, other, "ELSEWHERE", null);

        var before = await nobody.GetFromJsonAsync<JsonNode>($"/v1/shared/{share.Id}", Token);
        using var wrongLeaf = await client.PatchAsync($"/v1/shares/{share.Id}", Json($$"""{"resnapshot":true,"messageId":"{{elsewhere}}"}"""), Token);
        using var noLeaf = await client.PatchAsync($"/v1/shares/{share.Id}", Json("""{"resnapshot":true}"""), Token);
        using var updated = await client.PatchAsync($"/v1/shares/{share.Id}", Json($$"""{"resnapshot":true,"messageId":"{{later}}","indexable":true}"""), Token);
        var after = await nobody.GetFromJsonAsync<JsonNode>($"/v1/shared/{share.Id}", Token);

        Assert.Equal(["FIRST-QUESTION", "SHARED-BRANCH"], before!["messages"]!.AsArray().Select(m => (string)m!["content"]!));
        Assert.Equal(HttpStatusCode.BadRequest, wrongLeaf.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noLeaf.StatusCode);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var updatedShare = await ReadJsonAsync(updated, Token);
        Assert.Equal(later, Guid.Parse((string)updatedShare["leafId"]!));
        Assert.Equal(3, (int)updatedShare["messageCount"]!);
        Assert.Equal(["FIRST-QUESTION", "SHARED-BRANCH", "ADDED-LATER"], after!["messages"]!.AsArray().Select(m => (string)m!["content"]!));
        Assert.True((bool)after["indexable"]!);
    }

    [Fact]
    public async Task Another_users_conversation_or_share_answers_404_on_every_route_and_changes_nothing()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var owner = host.ClientFor(Guid.NewGuid());
        using var intruder = host.ClientFor(Guid.NewGuid());
        var (conversation, _, shared) = await ConversationWithBranchesAsync(owner);
        var share = await ShareAsync(owner, conversation, shared);

        using var create = await intruder.PostAsJsonAsync($"/v1/conversations/{conversation}/share", new { messageId = shared }, Token);
        using var patch = await intruder.PatchAsync($"/v1/shares/{share.Id}", Json("""{"visibility":"signed-in","indexable":true}"""), Token);
        using var resnapshot = await intruder.PatchAsync($"/v1/shares/{share.Id}", Json($$"""{"resnapshot":true,"messageId":"{{shared}}"}"""), Token);
        using var revoke = await intruder.DeleteAsync($"/v1/shares/{share.Id}", Token);
        var list = await intruder.GetFromJsonAsync<JsonNode>("/v1/shares", Token);

        Assert.Equal(HttpStatusCode.NotFound, create.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, patch.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, resnapshot.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
        Assert.Empty(list!["items"]!.AsArray());
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM chat.shares WHERE visibility = 'public' AND NOT indexable", Token));
        Assert.Equal(HttpStatusCode.OK, (await Anonymous(host).GetAsync($"/v1/shared/{share.Id}", Token)).StatusCode);
    }

    [Fact]
    public async Task Unknown_revoked_expired_and_malformed_ids_answer_the_same_404()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var database = await postgres.CreateDatabaseAsync(Token);
        await using var host = Start(database, redis.ConnectionString, null, null,
            web => web.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(time)));
        using var client = host.ClientFor(Guid.NewGuid());
        using var nobody = Anonymous(host);
        using var viewer = host.ClientFor(Guid.NewGuid());
        var (conversation, _, shared) = await ConversationWithBranchesAsync(client);
        var expiring = await ShareAsync(client, conversation, shared, expiresAt: time.GetUtcNow().AddHours(1));
        var revoked = await ShareAsync(client, conversation, shared);
        var live = await ShareAsync(client, conversation, shared);
        Assert.Equal(HttpStatusCode.OK, (await nobody.GetAsync($"/v1/shared/{expiring.Id}", Token)).StatusCode);

        time.Advance(TimeSpan.FromHours(1));
        using var revoke = await client.DeleteAsync($"/v1/shares/{revoked.Id}", Token);
        var unknown = ChatPlatform.Chat.Services.ShareRules.NewId();
        var answers = new List<string>();
        foreach (var id in new[] { expiring.Id, revoked.Id, unknown, "not-a-share", new string('A', 200) })
        {
            foreach (var reader in new[] { nobody, viewer })
            {
                using var response = await reader.GetAsync($"/v1/shared/{Uri.EscapeDataString(id)}", Token);
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                answers.Add(WithoutTraceId(await response.Content.ReadAsStringAsync(Token)));
            }
            using var continued = await viewer.PostAsync($"/v1/shared/{Uri.EscapeDataString(id)}/continue", null, Token);
            Assert.Equal(HttpStatusCode.NotFound, continued.StatusCode);
            answers.Add(WithoutTraceId(await continued.Content.ReadAsStringAsync(Token)));
        }

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Single(answers.Distinct());
        Assert.Equal(HttpStatusCode.OK, (await nobody.GetAsync($"/v1/shared/{live.Id}", Token)).StatusCode);
        // The expired share is still the owner's to extend: a new expiry brings it back.
        using var extended = await client.PatchAsync($"/v1/shares/{expiring.Id}", Json("""{"expiresAt":null}"""), Token);
        Assert.Equal(HttpStatusCode.OK, extended.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await nobody.GetAsync($"/v1/shared/{expiring.Id}", Token)).StatusCode);
    }

    [Fact]
    public async Task A_signed_in_share_answers_401_to_nobody_and_its_snapshot_to_any_signed_in_user()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var (conversation, _, shared) = await ConversationWithBranchesAsync(client);
        var share = await ShareAsync(client, conversation, shared, visibility: "signed-in");

        using var anonymous = await Anonymous(host).GetAsync($"/v1/shared/{share.Id}", Token);
        using var signedIn = await host.ClientFor(Guid.NewGuid()).GetAsync($"/v1/shared/{share.Id}", Token);
        using var unauthenticated = await host.ClientFor(null).GetAsync($"/v1/shared/{share.Id}", Token);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.DoesNotContain("SHARED-BRANCH", await anonymous.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        // Without an internal token at all, nothing inside answers: only the gateway reaches chat.
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
    }

    [Fact]
    public async Task Continuing_copies_the_snapshot_into_a_new_conversation_of_the_viewer()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        var viewerId = Guid.NewGuid();
        using var client = host.ClientFor(Guid.NewGuid());
        using var viewer = host.ClientFor(viewerId);
        var (conversation, _, shared) = await ConversationWithBranchesAsync(client);
        var share = await ShareAsync(client, conversation, shared, visibility: "signed-in");
        var eventsBefore = await host.CountAsync("SELECT count(*) FROM events.events WHERE type = 'chat.message.created'", Token);

        using var continued = await viewer.PostAsync($"/v1/shared/{share.Id}/continue", null, Token);
        var copy = Id(await ReadJsonAsync(continued, Token));
        var detail = await viewer.GetFromJsonAsync<JsonNode>($"/v1/conversations/{copy}", Token);
        await AppendAsync(viewer, copy, "MY-FOLLOW-UP", null);
        using var ownerReads = await client.GetAsync($"/v1/conversations/{copy}", Token);

        Assert.Equal(HttpStatusCode.Created, continued.StatusCode);
        Assert.Equal(["FIRST-QUESTION", "SHARED-BRANCH"], detail!["messages"]!.AsArray().Select(m => (string)m!["content"]!));
        Assert.Null((string?)detail["systemPrompt"]);
        Assert.Equal("Shared title", (string)detail["title"]!);
        Assert.Equal(HttpStatusCode.NotFound, ownerReads.StatusCode);
        // The two copies, then the follow-up: each with the event search indexes it from.
        Assert.Equal(eventsBefore + 3, await host.CountAsync("SELECT count(*) FROM events.events WHERE type = 'chat.message.created'", Token));
        Assert.Equal(3, await host.CountAsync("SELECT count(*) FROM chat.messages WHERE user_id = $1", Token, viewerId));
        // The owner's conversation is untouched by the copy and by what the viewer adds to it.
        Assert.Equal(3, await host.CountAsync("SELECT count(*) FROM chat.messages WHERE conversation_id = $1", Token, conversation));
    }

    [Fact]
    public async Task Deleting_the_conversation_or_the_account_deletes_its_shares()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        var owner = Guid.NewGuid();
        using var client = host.ClientFor(owner);
        using var nobody = Anonymous(host);
        var (conversation, _, shared) = await ConversationWithBranchesAsync(client);
        var share = await ShareAsync(client, conversation, shared);
        var (kept, _, keptLeaf) = await ConversationWithBranchesAsync(client);
        var keptShare = await ShareAsync(client, kept, keptLeaf);

        await client.DeleteAsync($"/v1/conversations/{conversation}", Token);
        using var afterDelete = await nobody.GetAsync($"/v1/shared/{share.Id}", Token);
        Assert.Equal(HttpStatusCode.NotFound, afterDelete.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await nobody.GetAsync($"/v1/shared/{keptShare.Id}", Token)).StatusCode);

        await host.Services.GetRequiredService<ConversationStore>().DeleteAllOfUserAsync(owner, Token);
        Assert.Equal(HttpStatusCode.NotFound, (await nobody.GetAsync($"/v1/shared/{keptShare.Id}", Token)).StatusCode);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.shares", Token));
    }

    [Theory]
    [InlineData("""{}""", "messageId")]
    [InlineData("""{"messageId":"LEAF","visibility":"everyone"}""", "visibility")]
    [InlineData("""{"messageId":"LEAF","expiresAt":"2001-01-01T00:00:00Z"}""", "expiresAt")]
    [InlineData("""{"messageId":"LEAF","expiresAt":"9999-01-01T00:00:00Z"}""", "expiresAt")]
    [InlineData("""{"messageId":"00000000-0000-0000-0000-000000000001"}""", "messageId")]
    public async Task A_bad_share_request_answers_400_naming_the_field_and_writes_nothing(string body, string field)
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var (conversation, _, shared) = await ConversationWithBranchesAsync(client);

        using var response = await client.PostAsync($"/v1/conversations/{conversation}/share", Json(body.Replace("LEAF", shared.ToString())), Token);
        var problem = await ReadJsonAsync(response, Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull(problem["errors"]![field]);
        Assert.Equal(0, await host.CountAsync("SELECT count(*) FROM chat.shares", Token));
    }

    [Fact]
    public async Task My_shares_page_newest_first_and_a_bad_cursor_is_400()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var (conversation, _, shared) = await ConversationWithBranchesAsync(client);
        var made = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            made.Add((await ShareAsync(client, conversation, shared)).Id);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonNode>($"/v1/shares?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}", Token);
            seen.AddRange(page!["items"]!.AsArray().Select(s => (string)s!["shareId"]!));
            cursor = (string?)page["nextCursor"];
        }
        while (cursor is not null);
        using var badCursor = await client.GetAsync("/v1/shares?cursor=..%2F..", Token);
        using var badLimit = await client.GetAsync("/v1/shares?limit=0", Token);

        Assert.Equal(Enumerable.Reverse(made), seen);
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
    }

    internal sealed record ShareMade(string Id, string Url);

    private static readonly Guid CitedFile = Guid.NewGuid();

    /// <summary>A service token acting for nobody: what the gateway forwards for an anonymous reader.</summary>
    private static HttpClient Anonymous(ChatServiceHost host)
    {
        var client = host.ClientFor(null);
        client.DefaultRequestHeaders.Authorization = InternalTokens.Service();
        return client;
    }

    /// <summary>FIRST-QUESTION with two answers of the user's: OTHER-BRANCH, then SHARED-BRANCH (the current leaf).</summary>
    private static async Task<(Guid Conversation, Guid First, Guid Shared)> ConversationWithBranchesAsync(HttpClient client)
    {
        using var created = await client.PostAsJsonAsync("/v1/conversations", new { model = "gpt-4o", title = "Shared title", systemPrompt = SystemPrompt }, Token);
        var conversation = Id(await ReadJsonAsync(created, Token));
        var first = await AppendAsync(client, conversation, "FIRST-QUESTION", null);
        await AppendAsync(client, conversation, "OTHER-BRANCH", first);
        var shared = await AppendAsync(client, conversation, "SHARED-BRANCH", first);
        return (conversation, first, shared);
    }

    private static async Task<Guid> AppendAsync(HttpClient client, Guid conversation, string content, Guid? parentId)
    {
        using var response = parentId is { } parent
            ? await client.PostAsJsonAsync($"/v1/conversations/{conversation}/messages", new { content, parentId = parent }, Token)
            : await client.PostAsJsonAsync($"/v1/conversations/{conversation}/messages", new { content }, Token);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return Id(await ReadJsonAsync(response, Token));
    }

    // An answer as a finished turn leaves it, citing a file of the owner's.
    private static async Task<Guid> InsertAnswerAsync(ChatServiceHost host, Guid userId, Guid conversation, Guid parent, string content)
    {
        var id = Guid.CreateVersion7();
        await host.ScalarAsync("""
            INSERT INTO chat.messages (user_id, conversation_id, id, parent_id, role, content, status, model, created_at, sibling_index, citations)
            VALUES ($1, $2, $3, $4, 'assistant', $5, 'complete', 'gpt-4o', now(), 0, $6::jsonb)
            """, Token, userId, conversation, id, parent, content, $$"""[{"source":1,"fileId":"{{CitedFile}}","fileName":"report.pdf","page":2}]""");
        return id;
    }

    private static async Task<ShareMade> ShareAsync(
        HttpClient client, Guid conversation, Guid leaf, string visibility = "public", DateTimeOffset? expiresAt = null)
    {
        using var response = await client.PostAsJsonAsync(
            $"/v1/conversations/{conversation}/share", new { messageId = leaf, visibility, expiresAt }, Token);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Token));
        var json = await ReadJsonAsync(response, Token);
        Assert.Equal($"/v1/shares/{(string)json["shareId"]!}", response.Headers.Location?.OriginalString);
        return new ShareMade((string)json["shareId"]!, (string)json["url"]!);
    }

    private static string WithoutTraceId(string body)
    {
        var json = JsonNode.Parse(body)!.AsObject();
        json.Remove("traceId");
        return json.ToJsonString();
    }
}
