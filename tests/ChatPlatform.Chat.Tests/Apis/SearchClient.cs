using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static ChatPlatform.Chat.Tests.Apis.OrganiseClient;
using static ChatPlatform.Chat.Tests.ChatServiceHost;

namespace ChatPlatform.Chat.Tests.Apis;

/// <summary>Messages written and searched through chat's API, as the search tests use them.</summary>
public static class SearchClient
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public static async Task<Guid> PostMessageAsync(HttpClient client, Guid conversationId, string content, Guid? parentId = null)
    {
        object body = parentId is { } parent ? new { content, parentId = parent } : new { content };
        using var response = await client.PostAsJsonAsync($"/v1/conversations/{conversationId}/messages", body, Token);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return Id(await ReadJsonAsync(response, Token));
    }

    public static async Task<JsonNode> SearchAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync($"/v1/search?{query}", Token);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{query}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Token)}");
        return await ReadJsonAsync(response, Token);
    }

    /// <summary>The message ids of every match of <paramref name="q"/> (titles' matches have none).</summary>
    public static async Task<List<Guid>> MessageIdsAsync(HttpClient client, string q, string filters = "")
    {
        var page = await SearchAsync(client, $"q={Uri.EscapeDataString(q)}&limit=50{filters}");
        return page["items"]!.AsArray().Where(i => i!["messageId"] is not null).Select(i => Guid.Parse((string)i!["messageId"]!)).ToList();
    }

    public static async Task<List<string?>> AllPagesAsync(HttpClient client, string query, int limit)
    {
        var seen = new List<string?>();
        string? cursor = null;
        do
        {
            var page = await SearchAsync(client, $"{query}&limit={limit}{(cursor is null ? "" : $"&cursor={cursor}")}");
            var items = page["items"]!.AsArray();
            Assert.True(items.Count <= limit);
            seen.AddRange(items.Select(i => (string?)i!["messageId"] ?? (string?)i!["conversationId"]));
            cursor = (string?)page["nextCursor"];
        }
        while (cursor is not null);
        return seen;
    }

    /// <summary>The consumer indexes off the request path: waits until <paramref name="messageId"/> is found.</summary>
    public static Task<List<Guid>> WaitForIndexAsync(HttpClient client, string q, Guid messageId, string filters = "") =>
        Eventually.GetAsync(() => MessageIdsAsync(client, q, filters), ids => ids.Contains(messageId), Token);
}
