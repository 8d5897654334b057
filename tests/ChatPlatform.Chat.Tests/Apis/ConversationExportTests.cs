using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Testing;
using static ChatPlatform.Chat.Tests.ChatServiceHost;

namespace ChatPlatform.Chat.Tests.Apis;

public sealed class ConversationExportTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<Guid> AppendAsync(HttpClient client, Guid conversation, string content, Guid? parentId = null)
    {
        using var response = parentId is null
            ? await client.PostAsJsonAsync($"/v1/conversations/{conversation}/messages", new { content }, Token)
            : await client.PostAsJsonAsync($"/v1/conversations/{conversation}/messages", new { content, parentId }, Token);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return OrganiseClient.Id(await ReadJsonAsync(response, Token));
    }

    [Fact]
    public async Task Markdown_is_the_branch_on_screen_or_the_one_asked_for_as_a_safely_named_attachment()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await OrganiseClient.CreateConversationAsync(client, "Trip: ../../etc/\"passwd\"\r\nX-Injected: 1");
        var first = await AppendAsync(client, id, "Plan three days in Lisbon.");
        var kept = await AppendAsync(client, id, "Only museums, please.");
        await AppendAsync(client, id, "Only beaches, please.", parentId: first);

        using var current = await client.GetAsync($"/v1/conversations/{id}/export?format=markdown", Token);
        var currentText = await current.Content.ReadAsStringAsync(Token);
        using var other = await client.GetAsync($"/v1/conversations/{id}/export?messageId={kept}", Token);
        var otherText = await other.Content.ReadAsStringAsync(Token);

        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        Assert.Equal("text/markdown", current.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", current.Content.Headers.ContentDisposition?.DispositionType);
        var name = current.Content.Headers.ContentDisposition?.FileNameStar ?? current.Content.Headers.ContentDisposition?.FileName;
        Assert.Equal("Trip-etc-passwd-X-Injected-1.md", name?.Trim('"'));
        Assert.False(current.Headers.Contains("X-Injected"));
        Assert.StartsWith("# Trip: ../../etc/\"passwd\" X-Injected: 1\n", currentText, StringComparison.Ordinal);
        Assert.Contains("Plan three days in Lisbon.", currentText, StringComparison.Ordinal);
        Assert.Contains("Only beaches, please.", currentText, StringComparison.Ordinal);
        Assert.DoesNotContain("museums", currentText, StringComparison.Ordinal);
        Assert.Contains("Only museums, please.", otherText, StringComparison.Ordinal);
        Assert.DoesNotContain("beaches", otherText, StringComparison.Ordinal);
        Assert.True(currentText.IndexOf("## User", StringComparison.Ordinal) < currentText.IndexOf("Plan three", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Json_holds_every_branch_with_parents_roles_times_and_organising_in_the_versioned_schema()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var client = host.ClientFor(Guid.NewGuid());
        var id = await OrganiseClient.CreateConversationAsync(client, "Plans");
        var folder = await OrganiseClient.CreateFolderAsync(client, "Travel");
        await OrganiseClient.PatchAsync(client, id, $$"""{"folderId":"{{folder}}","tags":["Trips","lisbon"],"starred":true,"archived":true}""");
        var first = await AppendAsync(client, id, "Plan three days.");
        var a = await AppendAsync(client, id, "Museums.");
        var b = await AppendAsync(client, id, "Beaches.", parentId: first);

        using var response = await client.GetAsync($"/v1/conversations/{id}/export?format=json", Token);
        var export = await ReadJsonAsync(response, Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Plans.json", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal("chatplatform.conversation", (string?)export["format"]);
        Assert.Equal(1, (int)export["version"]!);
        Assert.Equal(id, Guid.Parse((string)export["id"]!));
        Assert.Equal("Plans", (string?)export["title"]);
        Assert.Equal("gpt-4o", (string?)export["model"]);
        Assert.Equal("Travel", (string?)export["folder"]!["name"]);
        Assert.Equal(["lisbon", "trips"], export["tags"]!.AsArray().Select(t => (string)t!));
        Assert.True((bool)export["starred"]!);
        Assert.True((bool)export["archived"]!);
        Assert.Equal(b, Guid.Parse((string)export["currentLeafId"]!));
        var messages = export["messages"]!.AsArray();
        Assert.Equal([first, a, b], messages.Select(m => OrganiseClient.Id(m!)));
        Assert.Equal([null, first.ToString(), first.ToString()], messages.Select(m => (string?)m!["parentId"]));
        Assert.All(messages, m => Assert.Equal("user", (string?)m!["role"]));
        Assert.All(messages, m => Assert.Equal("complete", (string?)m!["status"]));
        Assert.All(messages, m => Assert.Empty(m!["attachments"]!.AsArray()));
        Assert.All(messages, m => Assert.NotNull((DateTimeOffset?)m!["createdAt"]));
    }

    [Fact]
    public async Task Another_users_conversation_answers_404_and_bad_parameters_400()
    {
        await using var host = await StartAsync(postgres, redis, Token);
        using var owner = host.ClientFor(Guid.NewGuid());
        using var stranger = host.ClientFor(Guid.NewGuid());
        var id = await OrganiseClient.CreateConversationAsync(owner, "Mine");
        var message = await AppendAsync(owner, id, "Private.");
        var elsewhere = await OrganiseClient.CreateConversationAsync(owner, "Other");
        var foreign = await AppendAsync(owner, elsewhere, "Elsewhere.");

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/v1/conversations/{id}/export", Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/v1/conversations/{id}/export?format=json", Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/v1/conversations/{id}/export?messageId={message}", Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/v1/conversations/{Guid.NewGuid()}/export", Token)).StatusCode);
        foreach (var query in new[] { "format=pdf", $"messageId={foreign}", "messageId=nope", $"format=json&messageId={message}" })
        {
            using var response = await owner.GetAsync($"/v1/conversations/{id}/export?{query}", Token);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }
}
