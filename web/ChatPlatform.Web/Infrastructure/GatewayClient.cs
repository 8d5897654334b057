using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Web.Model;
using ChatPlatform.Web.Services;

namespace ChatPlatform.Web.Infrastructure;

/// <summary>The gateway's public API with the signed-in person's access token: conversations, models, turns and files.</summary>
public sealed partial class GatewayClient(IHttpClientFactory httpClients, UserSession session)
{
    public const string HttpClientName = "gateway";
    public const string StreamingHttpClientName = "gateway-streaming";

    public Task<ConversationPage> ListConversationsAsync(string? cursor, CancellationToken cancellationToken, SidebarView? view = null) =>
        SendAsync<ConversationPage>(HttpMethod.Get,
            "/v1/conversations?limit=100" + (view ?? SidebarView.All).Query + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"),
            null, cancellationToken);

    /// <summary>My titles and messages matching <paramref name="query"/>, archived conversations too, best first.</summary>
    public Task<SearchPage> SearchAsync(string query, CancellationToken cancellationToken) =>
        SendAsync<SearchPage>(HttpMethod.Get, $"/v1/search?archived=true&limit=20&q={Uri.EscapeDataString(query)}", null, cancellationToken);

    public async Task<IReadOnlyList<Folder>> ListFoldersAsync(CancellationToken cancellationToken) =>
        (await SendAsync<FolderList>(HttpMethod.Get, "/v1/folders", null, cancellationToken)).Items;

    public Task<Folder> CreateFolderAsync(string name, CancellationToken cancellationToken) =>
        SendAsync<Folder>(HttpMethod.Post, "/v1/folders", new { name }, cancellationToken);

    public Task<Folder> RenameFolderAsync(Guid id, string name, CancellationToken cancellationToken) =>
        SendAsync<Folder>(HttpMethod.Patch, $"/v1/folders/{id}", new { name }, cancellationToken);

    public async Task DeleteFolderAsync(Guid id, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpClientName, HttpMethod.Delete, $"/v1/folders/{id}", null, null, cancellationToken);
    }

    public async Task<IReadOnlyList<TagCount>> ListTagsAsync(CancellationToken cancellationToken) =>
        (await SendAsync<TagList>(HttpMethod.Get, "/v1/tags", null, cancellationToken)).Items;

    /// <summary>
    /// Files, tags, stars or archives one conversation. A JsonObject, because <c>"folderId": null</c> (out of any folder)
    /// must be sent, and the serializer options drop nulls from an object.
    /// </summary>
    public Task<Conversation> OrganiseConversationAsync(Guid id, JsonObject changes, CancellationToken cancellationToken) =>
        SendAsync<Conversation>(HttpMethod.Patch, $"/v1/conversations/{id}", changes, cancellationToken);

    /// <summary>One action on several conversations, all or nothing (docs/conversations.md, Bulk actions).</summary>
    public async Task BulkAsync(IReadOnlyCollection<Guid> ids, string action, Guid? folderId, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["ids"] = new JsonArray([.. ids.Select(id => (JsonNode)JsonValue.Create(id))]),
            ["action"] = action,
        };
        if (action == "move")
        {
            body["folderId"] = folderId is { } folder ? JsonValue.Create(folder) : null;
        }
        using var response = await SendRawAsync(HttpClientName, HttpMethod.Post, "/v1/conversations/bulk", body, null, cancellationToken);
    }

    public Task<ConversationDetail> GetConversationAsync(Guid id, CancellationToken cancellationToken) =>
        SendAsync<ConversationDetail>(HttpMethod.Get, $"/v1/conversations/{id}", null, cancellationToken);

    public Task<Conversation> CreateConversationAsync(CreateConversationRequest request, CancellationToken cancellationToken) =>
        SendAsync<Conversation>(HttpMethod.Post, "/v1/conversations", request, cancellationToken);

    public Task<Conversation> UpdateConversationAsync(Guid id, UpdateConversationRequest request, CancellationToken cancellationToken) =>
        SendAsync<Conversation>(HttpMethod.Patch, $"/v1/conversations/{id}", request, cancellationToken);

    /// <summary>Sets both parameters; a null is sent as such (back to the model's default), so a JsonObject.</summary>
    public Task<Conversation> SetParametersAsync(Guid id, ConversationParameterValues values, CancellationToken cancellationToken) =>
        SendAsync<Conversation>(HttpMethod.Patch, $"/v1/conversations/{id}",
            new JsonObject { ["temperature"] = values.Temperature, ["maxOutputTokens"] = values.MaxOutputTokens }, cancellationToken);

    public async Task DeleteConversationAsync(Guid id, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpClientName, HttpMethod.Delete, $"/v1/conversations/{id}", null, null, cancellationToken);
    }

    public Task<ConversationDetail> SelectBranchAsync(Guid conversationId, Guid messageId, CancellationToken cancellationToken) =>
        SendAsync<ConversationDetail>(HttpMethod.Put, $"/v1/conversations/{conversationId}/leaf", new { messageId }, cancellationToken);

    public async Task<IReadOnlyList<ModelInfo>> ListModelsAsync(CancellationToken cancellationToken) =>
        (await SendAsync<ModelList>(HttpMethod.Get, "/v1/models", null, cancellationToken)).Data;

    /// <summary>
    /// Sends a message (<paramref name="parentId"/> given: an edit, a sibling branch) and streams the turn.
    /// <paramref name="fileIds"/> null or empty attaches nothing new (an edit then keeps the original's files).
    /// </summary>
    public IAsyncEnumerable<TurnEvent> SendTurnAsync(
        Guid conversationId, string content, Guid? parentId, bool parentIdGiven, CancellationToken cancellationToken, IReadOnlyList<Guid>? fileIds = null)
    {
        // parentId absent continues the current leaf; parentId null starts a new root (editing the first message).
        // A JsonObject keeps "parentId": null, which the serializer options would drop from an object.
        var body = new JsonObject { ["content"] = content };
        if (parentIdGiven)
        {
            body["parentId"] = parentId is { } id ? JsonValue.Create(id) : null;
        }
        if (fileIds is { Count: > 0 })
        {
            body["fileIds"] = new JsonArray([.. fileIds.Select(f => (JsonNode)JsonValue.Create(f))]);
        }
        return StreamAsync(HttpMethod.Post, $"/v1/conversations/{conversationId}/turns", body, lastEventId: null, cancellationToken);
    }

    /// <summary>Goes on with an answer that stopped at its length limit, in a new answer under it.</summary>
    public IAsyncEnumerable<TurnEvent> ContinueAsync(Guid conversationId, Guid assistantMessageId, CancellationToken cancellationToken) =>
        StreamAsync(HttpMethod.Post, $"/v1/conversations/{conversationId}/messages/{assistantMessageId}/continue", null, lastEventId: null, cancellationToken);

    public IAsyncEnumerable<TurnEvent> RegenerateAsync(Guid conversationId, Guid assistantMessageId, CancellationToken cancellationToken) =>
        StreamAsync(HttpMethod.Post, $"/v1/conversations/{conversationId}/messages/{assistantMessageId}/regenerate", null, lastEventId: null, cancellationToken);

    /// <summary>The events after <paramref name="lastEventId"/>, then the live tail (or the final event rebuilt when the stream is gone).</summary>
    public IAsyncEnumerable<TurnEvent> ResumeAsync(Guid conversationId, Guid messageId, long lastEventId, CancellationToken cancellationToken) =>
        StreamAsync(HttpMethod.Get, $"/v1/conversations/{conversationId}/messages/{messageId}/events", null, lastEventId, cancellationToken);

    /// <summary>True when the stop was signalled; false when the message was no longer streaming (409).</summary>
    public async Task<bool> StopAsync(Guid conversationId, Guid messageId, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await SendRawAsync(HttpClientName, HttpMethod.Post, $"/v1/conversations/{conversationId}/messages/{messageId}/stop", null, null,
                cancellationToken);
            return true;
        }
        catch (GatewayException e) when (e.Status == 409)
        {
            return false;
        }
    }

    public Task<FilePage> ListFilesAsync(Guid? before, int limit, CancellationToken cancellationToken) =>
        SendAsync<FilePage>(HttpMethod.Get, before is { } b ? $"/v1/files?limit={limit}&before={b}" : $"/v1/files?limit={limit}", null, cancellationToken);

    public Task<StoredFile> GetFileAsync(Guid id, CancellationToken cancellationToken) =>
        SendAsync<StoredFile>(HttpMethod.Get, $"/v1/files/{id}", null, cancellationToken);

    /// <summary>The caller's usage over whole UTC days, grouped by <c>day</c> or <c>model</c>.</summary>
    public Task<UsageReport> GetUsageAsync(DateOnly from, DateOnly to, string groupBy, CancellationToken cancellationToken) =>
        SendAsync<UsageReport>(HttpMethod.Get, $"/v1/usage?from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}&groupBy={Uri.EscapeDataString(groupBy)}", null, cancellationToken);

    public async Task DeleteFileAsync(Guid id, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpClientName, HttpMethod.Delete, $"/v1/files/{id}", null, null, cancellationToken);
    }

    private async IAsyncEnumerable<TurnEvent> StreamAsync(
        HttpMethod method, string path, object? body, long? lastEventId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(StreamingHttpClientName, method, path, body, lastEventId, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var turnEvent in ServerSentEvents.ReadAsync(stream, cancellationToken))
        {
            yield return turnEvent;
        }
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpClientName, method, path, body, null, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(JsonDefaults.Options, cancellationToken)
            ?? throw new GatewayException(502, "The service gave an empty answer.");
    }

    /// <summary>Sends with the access token; any answer but 2xx becomes a <see cref="GatewayException"/>.</summary>
    private async Task<HttpResponseMessage> SendRawAsync(
        string clientName, HttpMethod method, string path, object? body, long? lastEventId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await session.AccessTokenAsync(cancellationToken));
        if (body is not null)
        {
            request.Content = body as HttpContent ?? new StringContent(JsonSerializer.Serialize(body, JsonDefaults.Options), Encoding.UTF8, "application/json");
        }
        if (lastEventId is { } last)
        {
            request.Headers.Add("Last-Event-ID", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }
        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(clientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception e) when (GatewayException.IsTransportFailure(e))
        {
            throw GatewayException.Unreachable();
        }
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await GatewayException.FromResponseAsync(response, cancellationToken);
            }
        }
        return response;
    }
}
