using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Npgsql;
using OpenAI;
using OpenAI.Chat;

namespace ChatPlatform.AppHost.Tests.EndToEnd;

/// <summary>
/// A person's turn through the real processes: gateway (auth, limits, forwarding) → chat (tree, events, Redis stream) →
/// model router (the simulator), with PostgreSQL and Redis, as docs/turns.md describes it.
/// </summary>
[Collection(nameof(SharedPlatformCollection))]
public sealed class ChatTurnEndToEndTests(PlatformFixture platform)
{
    // sim-fast: 50 ms to the first token, 200 tokens/s; sim-smart: 400 ms, 40 tokens/s, 120 tokens (about 3 s).
    private const string FastModel = "sim-fast";
    private const string SlowModel = "sim-smart";

    private TestPlatform Platform => platform.Platform;

    [Fact]
    public async Task A_turn_streams_numbered_events_and_the_answer_and_its_usage_are_committed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = await SignedInClientAsync(ct);
        var conversation = await CreateConversationAsync(client, FastModel, ct);

        using var response = await PostTurnAsync(client, conversation, "Hello there", ct);
        using var stream = new SseStream(await response.Content.ReadAsStreamAsync(ct));
        var events = await stream.ReadToEndAsync(ct);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Id));
        Assert.Equal("turn.started", events[0].Type);
        Assert.Equal("done", events[^1].Type);
        var deltas = events.Where(e => e.Type == "delta").Select(e => e.Data.GetProperty("text").GetString()).ToList();
        Assert.True(deltas.Count > 1, "the answer came in one piece");
        var final = events[^1].Data.GetProperty("message");
        Assert.Equal(string.Concat(deltas), final.GetProperty("content").GetString());
        Assert.Equal("complete", final.GetProperty("status").GetString(), ignoreCase: true);
        Assert.True(events[^1].Data.GetProperty("usage").GetProperty("outputTokens").GetInt64() > 0);

        var detail = await client.GetFromJsonAsync<JsonElement>($"/v1/conversations/{conversation}", ct);
        var path = detail.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["user", "assistant"], path.Select(m => m.GetProperty("role").GetString()!.ToLowerInvariant()));
        Assert.Equal("Hello there", path[0].GetProperty("content").GetString());
        Assert.Equal(final.GetProperty("content").GetString(), path[1].GetProperty("content").GetString());
        var messageId = final.GetProperty("id").GetGuid();
        var usage = await UsageEventAsync("messageId", messageId.ToString(), ct);
        Assert.Equal("chat", usage.GetProperty("source").GetString());
        Assert.Equal(FastModel, usage.GetProperty("model").GetString());
    }

    [Fact]
    public async Task A_client_that_drops_mid_answer_resumes_by_last_event_id_and_misses_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = await SignedInClientAsync(ct);
        var conversation = await CreateConversationAsync(client, SlowModel, ct);

        var seen = new List<SseEvent>();
        using (var response = await PostTurnAsync(client, conversation, "Tell me something", ct))
        using (var stream = new SseStream(await response.Content.ReadAsStreamAsync(ct)))
        {
            while (seen.Count(e => e.Type == "delta") < 3 && await stream.ReadAsync(ct) is { } e)
            {
                seen.Add(e);
            }
        }
        var messageId = seen[0].Data.GetProperty("assistantMessage").GetProperty("id").GetGuid();

        using var resume = new HttpRequestMessage(HttpMethod.Get, $"/v1/conversations/{conversation}/messages/{messageId}/events");
        resume.Headers.Add("Last-Event-ID", seen[^1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var resumed = await client.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead, ct);
        using var rest = new SseStream(await resumed.Content.ReadAsStreamAsync(ct));
        var missed = await rest.ReadToEndAsync(ct);

        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        var all = seen.Concat(missed).ToList();
        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), all.Select(e => e.Id));
        Assert.Equal("done", all[^1].Type);
        var text = string.Concat(all.Where(e => e.Type == "delta").Select(e => e.Data.GetProperty("text").GetString()));
        Assert.Equal(all[^1].Data.GetProperty("message").GetProperty("content").GetString(), text);
    }

    [Fact]
    public async Task Stopping_keeps_the_partial_answer_marked_stopped()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = await SignedInClientAsync(ct);
        var conversation = await CreateConversationAsync(client, SlowModel, ct);

        using var response = await PostTurnAsync(client, conversation, "Tell me a long story", ct);
        using var stream = new SseStream(await response.Content.ReadAsStreamAsync(ct));
        var started = (await stream.ReadAsync(ct))!;
        var messageId = started.Data.GetProperty("assistantMessage").GetProperty("id").GetGuid();
        var events = new List<SseEvent> { started };
        while (events.Count(e => e.Type == "delta") < 2 && await stream.ReadAsync(ct) is { } e)
        {
            events.Add(e);
        }
        using var stop = await client.PostAsync($"/v1/conversations/{conversation}/messages/{messageId}/stop", null, ct);
        events.AddRange(await stream.ReadToEndAsync(ct));

        Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        var final = events[^1];
        Assert.Equal("done", final.Type);
        Assert.Equal("stopped", final.Data.GetProperty("message").GetProperty("status").GetString(), ignoreCase: true);
        var partial = final.Data.GetProperty("message").GetProperty("content").GetString()!;
        Assert.NotEmpty(partial);
        var path = await client.GetFromJsonAsync<JsonElement>($"/v1/conversations/{conversation}/messages/{messageId}/path", ct);
        var saved = path.EnumerateArray().Last();
        Assert.Equal(partial, saved.GetProperty("content").GetString());
        Assert.Equal("stopped", saved.GetProperty("status").GetString(), ignoreCase: true);
    }

    [Fact]
    public async Task The_websocket_carries_a_turn_and_its_events()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = await SignedInClientAsync(ct);
        var conversation = await CreateConversationAsync(client, FastModel, ct);
        var gateway = Platform.Endpoint("gateway");
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(
            new Uri($"ws://{gateway.Authority}/v1/ws?access_token={Uri.EscapeDataString(client.DefaultRequestHeaders.Authorization!.Parameter!)}"), ct);

        await SendAsync(socket, new { type = "turn", requestId = "r1", conversationId = conversation, content = "Hello over a socket" }, ct);
        var frames = new List<JsonElement>();
        while (frames.Count == 0 || frames[^1].GetProperty("event").GetString() is not ("done" or "error"))
        {
            var frame = await ReceiveAsync(socket, ct);
            Assert.Equal("event", frame.GetProperty("type").GetString());
            Assert.Equal("r1", frame.GetProperty("requestId").GetString());
            frames.Add(frame);
        }

        Assert.Equal("turn.started", frames[0].GetProperty("event").GetString());
        Assert.Equal("done", frames[^1].GetProperty("event").GetString());
        Assert.Equal(Enumerable.Range(1, frames.Count).Select(i => (long)i), frames.Select(f => f.GetProperty("id").GetInt64()));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", ct);
    }

    [Fact]
    public async Task The_official_OpenAI_client_streams_through_the_gateway_with_an_api_key_and_its_usage_is_recorded()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = await SignedInClientAsync(ct);
        using var created = await client.PostAsJsonAsync("/v1/api-keys", new { name = "end-to-end" }, ct);
        created.EnsureSuccessStatusCode();
        var apiKey = await created.Content.ReadFromJsonAsync<JsonElement>(ct);
        var key = apiKey.GetProperty("key").GetString()!;
        var openAI = new ChatClient(FastModel, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(Platform.Endpoint("gateway"), "v1") });

        var text = new StringBuilder();
        string? completionId = null;
        await foreach (var update in openAI.CompleteChatStreamingAsync([new UserChatMessage("Say hello")], cancellationToken: ct))
        {
            completionId ??= update.CompletionId;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.StartsWith("[simulated]", text.ToString(), StringComparison.Ordinal);
        var usage = await UsageEventAsync("apiKeyId", apiKey.GetProperty("id").GetGuid().ToString(), ct);
        Assert.Equal("api", usage.GetProperty("source").GetString());
        Assert.True(usage.GetProperty("outputTokens").GetInt64() > 0);
    }

    [Fact]
    public async Task Another_users_conversation_is_not_found_through_the_gateway()
    {
        var ct = TestContext.Current.CancellationToken;
        using var owner = await SignedInClientAsync(ct);
        using var stranger = await SignedInClientAsync(ct);
        var conversation = await CreateConversationAsync(owner, FastModel, ct);

        using var read = await stranger.GetAsync($"/v1/conversations/{conversation}", ct);
        using var turn = await stranger.PostAsJsonAsync($"/v1/conversations/{conversation}/turns", new { content = "mine now" }, ct);
        using var forged = new HttpRequestMessage(HttpMethod.Get, $"/v1/conversations/{conversation}");
        forged.Headers.Add("X-User-Id", (await owner.GetFromJsonAsync<JsonElement>("/v1/me", ct)).GetProperty("id").GetString());
        using var forgedResponse = await stranger.SendAsync(forged, ct);

        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, turn.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, forgedResponse.StatusCode);
    }

    [Fact]
    public async Task Chat_and_the_router_refuse_callers_that_skip_the_gateway()
    {
        var ct = TestContext.Current.CancellationToken;
        using var owner = await SignedInClientAsync(ct);
        var conversation = await CreateConversationAsync(owner, FastModel, ct);
        var ownerId = (await owner.GetFromJsonAsync<JsonElement>("/v1/me", ct)).GetProperty("id").GetString();
        using var chat = Platform.CreateHttpClient("chat");
        using var router = Platform.CreateHttpClient("model-router");

        // A neighbour on the internal network: the owner's id in a header, the owner's own access token, a forged token.
        using var byHeader = new HttpRequestMessage(HttpMethod.Get, $"/v1/conversations/{conversation}");
        byHeader.Headers.Add("X-User-Id", ownerId);
        using var byUserToken = new HttpRequestMessage(HttpMethod.Get, $"/v1/conversations/{conversation}");
        byUserToken.Headers.Authorization = owner.DefaultRequestHeaders.Authorization;
        using var byForgedToken = new HttpRequestMessage(HttpMethod.Get, $"/v1/conversations/{conversation}");
        byForgedToken.Headers.Authorization = ChatPlatform.Testing.InternalTokens.Bearer(ChatPlatform.Testing.InternalTokens.Mint("admin", Guid.Parse(ownerId!)));
        using var attack = await router.PutAsJsonAsync("/v1/admin/deployments/x", new
        {
            modelId = FastModel, provider = "openAICompatible", providerModel = "m", endpoint = "http://attacker.example/v1",
            apiKeySetting = "ConnectionStrings:chatdb",
        }, ct);
        using var completion = await router.PostAsJsonAsync("/v1/chat/completions", new { model = FastModel, messages = new[] { new { role = "user", content = "Hi" } } }, ct);

        HttpResponseMessage[] refused =
        [
            await chat.SendAsync(byHeader, ct), await chat.SendAsync(byUserToken, ct), await chat.SendAsync(byForgedToken, ct),
            attack, completion, await router.GetAsync("/v1/models", ct), await router.GetAsync("/v1/admin/audit", ct),
        ];

        Assert.All(refused, response => Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode));
        Assert.Equal(HttpStatusCode.OK, (await router.GetAsync("/health", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/v1/conversations/{conversation}", ct)).StatusCode);
    }

    private async Task<HttpClient> SignedInClientAsync(CancellationToken ct)
    {
        var client = Platform.CreateHttpClient("gateway");
        using var response = await client.PostAsJsonAsync("/v1/auth/register",
            new { email = $"e2e-{Guid.NewGuid():N}@example.com", password = "a long enough password " + Guid.NewGuid() }, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var tokens = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("accessToken").GetString());
        return client;
    }

    private static async Task<Guid> CreateConversationAsync(HttpClient client, string model, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync("/v1/conversations", new { model }, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
    }

    private static async Task<HttpResponseMessage> PostTurnAsync(HttpClient client, Guid conversation, string content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversation}/turns") { Content = JsonContent.Create(new { content }) };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    /// <summary>The <c>usage.recorded</c> event whose payload has <paramref name="field"/> = <paramref name="value"/>, waited for briefly.</summary>
    private async Task<JsonElement> UsageEventAsync(string field, string value, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(await Platform.ConnectionStringAsync("chatdb"));
        await connection.OpenAsync(ct);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            await using var command = new NpgsqlCommand(
                "SELECT payload::text FROM events.events WHERE type = 'usage.recorded' AND payload ->> $1 = $2", connection);
            command.Parameters.Add(new() { Value = field });
            command.Parameters.Add(new() { Value = value });
            if (await command.ExecuteScalarAsync(ct) is string payload)
            {
                using var document = JsonDocument.Parse(payload);
                return document.RootElement.Clone();
            }
            await Task.Delay(100, ct);
        }
        throw new Xunit.Sdk.XunitException($"No usage.recorded event with {field} = {value}.");
    }

    private static Task SendAsync(ClientWebSocket socket, object message, CancellationToken ct) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, endOfMessage: true, ct);

    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, ct);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        using var document = JsonDocument.Parse(message.ToArray());
        return document.RootElement.Clone();
    }
}
