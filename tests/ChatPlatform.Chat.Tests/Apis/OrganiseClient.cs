using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static ChatPlatform.Chat.Tests.ChatServiceHost;

namespace ChatPlatform.Chat.Tests.Apis;

/// <summary>The calls the organising tests make, each asserting it succeeded.</summary>
internal static class OrganiseClient
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public static async Task<Guid> CreateConversationAsync(HttpClient client, string? title = null, string model = "gpt-4o")
    {
        using var response = await client.PostAsJsonAsync("/v1/conversations", new { model, title }, Token);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return Id(await ReadJsonAsync(response, Token));
    }

    public static async Task<Guid> CreateFolderAsync(HttpClient client, string name)
    {
        using var response = await client.PostAsJsonAsync("/v1/folders", new { name }, Token);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return Id(await ReadJsonAsync(response, Token));
    }

    public static async Task<JsonNode> PatchAsync(HttpClient client, Guid conversationId, string body)
    {
        using var response = await client.PatchAsync($"/v1/conversations/{conversationId}", Json(body), Token);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{body}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Token)}");
        return await ReadJsonAsync(response, Token);
    }

    public static async Task<HttpStatusCode> BulkAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/v1/conversations/bulk", body, Token);
        return response.StatusCode;
    }

    /// <summary>Every page of the list with <paramref name="query"/>, <paramref name="limit"/> at a time: the ids in order.</summary>
    public static async Task<List<Guid>> ListAllAsync(HttpClient client, string query, int limit = 2)
    {
        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonNode>(
                $"/v1/conversations?limit={limit}{(query.Length == 0 ? "" : "&" + query)}{(cursor is null ? "" : $"&cursor={cursor}")}", Token);
            var items = page!["items"]!.AsArray();
            Assert.True(items.Count <= limit);
            seen.AddRange(items.Select(c => Id(c!)));
            cursor = (string?)page["nextCursor"];
        }
        while (cursor is not null);
        return seen;
    }

    public static Guid Id(JsonNode node) => Guid.Parse((string)node["id"]!);
}
