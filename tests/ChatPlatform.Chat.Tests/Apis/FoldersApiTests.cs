using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Testing;
using static ChatPlatform.Chat.Tests.Apis.OrganiseClient;
using static ChatPlatform.Chat.Tests.ChatServiceHost;

namespace ChatPlatform.Chat.Tests.Apis;

public sealed class FoldersApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Folders_are_created_trimmed_listed_by_name_and_renamed_each_with_its_event()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());

        using var created = await client.PostAsJsonAsync("/v1/folders", new { name = "  Work  " }, Token);
        var work = Id(await ReadJsonAsync(created, Token));
        var archive = await CreateFolderAsync(client, "archive");
        using var renamed = await client.PatchAsync($"/v1/folders/{work}", Json("""{"name":"Projects"}"""), Token);
        var list = await client.GetFromJsonAsync<JsonNode>("/v1/folders", Token);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/v1/folders/{work}", created.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(["archive", "Projects"], list!["items"]!.AsArray().Select(f => (string)f!["name"]!));
        Assert.Equal([archive, work], list["items"]!.AsArray().Select(f => Id(f!)));
        Assert.Equal(2, await host.CountAsync("SELECT count(*) FROM events.events WHERE type = 'chat.folder.created'", Token));
        Assert.Equal(1, await host.CountAsync(
            "SELECT count(*) FROM events.events WHERE type = 'chat.folder.renamed' AND key = $1 AND payload->>'name' = 'Projects'", Token, work.ToString()));
    }

    [Fact]
    public async Task A_duplicate_name_whatever_its_case_answers_409_and_changes_nothing()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        using var other = host.ClientFor(Guid.NewGuid());
        await CreateFolderAsync(client, "Work");
        var home = await CreateFolderAsync(client, "Home");

        using var duplicate = await client.PostAsJsonAsync("/v1/folders", new { name = " WORK" }, Token);
        using var renamed = await client.PatchAsync($"/v1/folders/{home}", Json("""{"name":"work"}"""), Token);
        // Unique per user: another user may have the same name.
        await CreateFolderAsync(other, "Work");

        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("application/problem+json", duplicate.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Conflict, renamed.StatusCode);
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM chat.folders WHERE id = $1 AND name = 'Home'", Token, home));
        Assert.Equal(3, await host.CountAsync("SELECT count(*) FROM chat.folders", Token));
        Assert.Equal(3, await host.CountAsync("SELECT count(*) FROM events.events", Token));
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"name":""}""")]
    [InlineData("""{"name":"   "}""")]
    [InlineData("""{"name":"tab\there"}""")]
    [InlineData("""{"name":"bell\u0007"}""")]
    [InlineData("""{"name":42}""")]
    [InlineData("NAME_TOO_LONG")]
    public async Task A_bad_name_answers_400_problem_details_and_writes_nothing(string body)
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var folder = await CreateFolderAsync(client, "Kept");
        body = body == "NAME_TOO_LONG" ? $$"""{"name":"{{new string('n', 101)}}"}""" : body;

        using var created = await client.PostAsync("/v1/folders", Json(body), Token);
        using var renamed = await client.PatchAsync($"/v1/folders/{folder}", Json(body), Token);

        Assert.Equal(HttpStatusCode.BadRequest, created.StatusCode);
        Assert.Equal("application/problem+json", created.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, renamed.StatusCode);
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM chat.folders WHERE name = 'Kept'", Token));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM chat.folders", Token));
    }

    [Fact]
    public async Task A_name_of_exactly_100_characters_is_accepted_and_the_500th_folder_is_the_last()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        var userId = Guid.NewGuid();
        using var client = host.ClientFor(userId);
        await host.ScalarAsync(
            "INSERT INTO chat.folders SELECT $1, gen_random_uuid(), 'F' || n, now() FROM generate_series(1, 499) n", Token, userId);

        await CreateFolderAsync(client, new string('n', 100));
        using var tooMany = await client.PostAsJsonAsync("/v1/folders", new { name = "One more" }, Token);

        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal(500, await host.CountAsync("SELECT count(*) FROM chat.folders", Token));
        await CreateFolderAsync(host.ClientFor(Guid.NewGuid()), "One more");
    }

    [Fact]
    public async Task Deleting_a_folder_moves_its_conversations_to_no_folder_and_deletes_none()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var folder = await CreateFolderAsync(client, "Work");
        var kept = await CreateFolderAsync(client, "Home");
        var inside = await CreateConversationAsync(client, "Inside");
        var archived = await CreateConversationAsync(client, "Archived inside");
        var elsewhere = await CreateConversationAsync(client, "Elsewhere");
        await PatchAsync(client, inside, $$"""{"folderId":"{{folder}}"}""");
        await PatchAsync(client, archived, $$"""{"folderId":"{{folder}}","archived":true}""");
        await PatchAsync(client, elsewhere, $$"""{"folderId":"{{kept}}"}""");

        using var deleted = await client.DeleteAsync($"/v1/folders/{folder}", Token);
        using var again = await client.DeleteAsync($"/v1/folders/{folder}", Token);
        var unfiled = await ListAllAsync(client, "folder=none");
        var unfiledArchived = await ListAllAsync(client, "folder=none&archived=true");
        var home = await ListAllAsync(client, $"folder={kept}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal([inside], unfiled);
        Assert.Equal([archived], unfiledArchived);
        Assert.Equal([elsewhere], home);
        Assert.Equal(3, await host.CountAsync("SELECT count(*) FROM chat.conversations WHERE deleted_at IS NULL", Token));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM events.events WHERE type = 'chat.folder.deleted' AND key = $1", Token, folder.ToString()));
        // Two from the folder's deletion, two from creating the conversations with their titles (no folder yet).
        Assert.Equal(4, await host.CountAsync(
            "SELECT count(*) FROM events.events WHERE type = 'chat.conversation.updated' AND payload->>'folderId' IS NULL AND key = ANY($1)",
            Token, (object)new[] { inside.ToString(), archived.ToString() }));
    }

    [Fact]
    public async Task Another_users_folder_answers_404_cannot_be_filed_into_and_lists_nothing()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var owner = host.ClientFor(Guid.NewGuid());
        using var stranger = host.ClientFor(Guid.NewGuid());
        var folder = await CreateFolderAsync(owner, "Private");
        var filed = await CreateConversationAsync(owner, "Filed");
        await PatchAsync(owner, filed, $$"""{"folderId":"{{folder}}"}""");
        var own = await CreateConversationAsync(stranger, "Mine");
        var writesBefore = await host.CountWritesAsync(Token);

        using var renamed = await stranger.PatchAsync($"/v1/folders/{folder}", Json("""{"name":"Taken"}"""), Token);
        using var deleted = await stranger.DeleteAsync($"/v1/folders/{folder}", Token);
        using var filedInto = await stranger.PatchAsync($"/v1/conversations/{own}", Json($$"""{"folderId":"{{folder}}"}"""), Token);
        var movedInto = await BulkAsync(stranger, new { ids = new[] { own }, action = "move", folderId = folder });
        var folders = await stranger.GetFromJsonAsync<JsonNode>("/v1/folders", Token);
        var listed = await ListAllAsync(stranger, $"folder={folder}");

        Assert.Equal(HttpStatusCode.NotFound, renamed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, filedInto.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, movedInto);
        Assert.Empty(folders!["items"]!.AsArray());
        Assert.Empty(listed);
        Assert.Equal(writesBefore, await host.CountWritesAsync(Token));
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM chat.folders WHERE name = 'Private'", Token));
        Assert.Equal([filed], await ListAllAsync(owner, $"folder={folder}"));
    }
}
