using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Gateway.Tests.Fakes;
using ChatPlatform.Testing;

namespace ChatPlatform.Gateway.Tests.Apis;

public sealed class WebSocketApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_turn_sent_on_the_socket_comes_back_as_event_frames_and_stop_is_acknowledged(bool chatHttp2Only)
    {
        await using var chat = await FakeChatService.StartAsync(chatHttp2Only);
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(chat.Address, chatHttp2Only: chatHttp2Only));
        var userId = Guid.NewGuid();
        var conversationId = Guid.NewGuid();
        using var socket = await ConnectAsync(host, TestTokens.Mint(userId));

        await SendAsync(socket, new { type = "turn", requestId = "r1", conversationId, content = "hello" });
        var started = await ReceiveAsync(socket);
        Assert.Equal("event", (string?)started["type"]);
        Assert.Equal("r1", (string?)started["requestId"]);
        Assert.Equal(1, (long?)started["id"]);
        Assert.Equal("turn.started", (string?)started["event"]);
        Assert.Equal(conversationId.ToString(), (string?)started["data"]!["conversationId"]);
        // The turn is still held by chat: the frame above was relayed while it streams.
        Assert.False(chat.ReleaseTurns.Task.IsCompleted);

        await SendAsync(socket, new { type = "stop", requestId = "r2", conversationId, messageId = FakeChatService.AssistantMessage });
        var ack = await ReceiveAsync(socket);
        Assert.Equal("ack", (string?)ack["type"]);
        Assert.Equal("r2", (string?)ack["requestId"]);
        Assert.Equal(202, (int?)ack["status"]);

        chat.ReleaseTurns.SetResult();
        var delta = await ReceiveAsync(socket);
        var done = await ReceiveAsync(socket);
        Assert.Equal(("delta", 2L, "echo: hello"), ((string?)delta["event"], (long?)delta["id"], (string?)delta["data"]!["text"]));
        Assert.Equal("done", (string?)done["event"]);
        Assert.All(chat.Requests, r => Assert.Equal([userId.ToString()], r.UserIds));
        Assert.All(chat.Requests, r => Assert.Equal(chatHttp2Only ? "HTTP/2" : "HTTP/1.1", r.Protocol));
        Assert.Contains(chat.Requests, r => r.Method == "POST" && r.PathAndQuery == $"/v1/conversations/{conversationId}/messages/{FakeChatService.AssistantMessage}/stop");
    }

    [Fact]
    public async Task Continue_on_the_socket_streams_chats_continue_and_another_users_conversation_is_an_error_frame()
    {
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(chat.Address));
        var userId = Guid.NewGuid();
        var conversationId = Guid.NewGuid();
        using var socket = await ConnectAsync(host, TestTokens.Mint(userId));

        await SendAsync(socket, new { type = "continue", requestId = "c1", conversationId, messageId = FakeChatService.AssistantMessage });
        var frames = new[] { await ReceiveAsync(socket), await ReceiveAsync(socket), await ReceiveAsync(socket) };
        await SendAsync(socket, new { type = "continue", requestId = "c2", conversationId = FakeChatService.UnknownConversation, messageId = FakeChatService.AssistantMessage });
        var refused = await ReceiveAsync(socket);

        Assert.Equal(["delta", "delta", "done"], frames.Select(f => (string?)f["event"]));
        Assert.All(frames, f => Assert.Equal("c1", (string?)f["requestId"]));
        Assert.Contains(chat.Requests, r => r.Method == "POST" && r.PathAndQuery == $"/v1/conversations/{conversationId}/messages/{FakeChatService.AssistantMessage}/continue"
            && r.UserIds.SequenceEqual([userId.ToString()]));
        Assert.Equal(("error", "c2", 404), ((string?)refused["type"], (string?)refused["requestId"], (int?)refused["status"]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Resume_passes_the_last_event_id_and_several_streams_share_one_socket(bool chatHttp2Only)
    {
        await using var chat = await FakeChatService.StartAsync(chatHttp2Only);
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(chat.Address, chatHttp2Only: chatHttp2Only));
        var conversationId = Guid.NewGuid();
        using var socket = await ConnectAsync(host, TestTokens.Mint(Guid.NewGuid()));

        await SendAsync(socket, new { type = "turn", requestId = "held", conversationId, content = "slow" });
        Assert.Equal("held", (string?)(await ReceiveAsync(socket))["requestId"]);
        await SendAsync(socket, new { type = "resume", requestId = "r", conversationId, messageId = FakeChatService.AssistantMessage, lastEventId = 1 });
        var resumed = new[] { await ReceiveAsync(socket), await ReceiveAsync(socket) };

        Assert.All(resumed, frame => Assert.Equal("r", (string?)frame["requestId"]));
        Assert.Equal([2L, 3L], resumed.Select(frame => (long)frame["id"]!));
        Assert.Equal("1", chat.Requests.Single(r => r.Method == "GET").LastEventId);
        Assert.False(chat.ReleaseTurns.Task.IsCompleted);
    }

    [Fact]
    public async Task A_turns_file_ids_reach_chat_as_written_and_a_non_array_is_refused_on_the_socket()
    {
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(chat.Address));
        var conversationId = Guid.NewGuid();
        var fileId = Guid.NewGuid();
        using var socket = await ConnectAsync(host, TestTokens.Mint(Guid.NewGuid()));

        await SendAsync(socket, new { type = "turn", requestId = "bad", conversationId, content = "x", fileIds = fileId });
        var refused = await ReceiveAsync(socket);
        await SendAsync(socket, new { type = "turn", requestId = "r1", conversationId, content = "with a file", fileIds = new[] { fileId } });
        Assert.Equal("r1", (string?)(await ReceiveAsync(socket))["requestId"]);

        Assert.Equal(("error", "bad", 400), ((string?)refused["type"], (string?)refused["requestId"], (int?)refused["status"]));
        Assert.Contains("fileIds", (string?)refused["problem"]!["detail"]);
        var body = System.Text.Json.JsonDocument.Parse(chat.Requests.Single().Body).RootElement;
        Assert.Equal([fileId], body.GetProperty("fileIds").EnumerateArray().Select(id => id.GetGuid()));
        chat.ReleaseTurns.SetResult();
    }

    [Fact]
    public async Task Malformed_and_refused_frames_answer_error_frames_and_the_socket_stays_open()
    {
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(chat.Address));
        using var socket = await ConnectAsync(host, TestTokens.Mint(Guid.NewGuid()));

        await socket.SendAsync("{not json"u8.ToArray(), WebSocketMessageType.Text, true, Cancellation);
        var notJson = await ReceiveAsync(socket);
        await SendAsync(socket, new { type = "turn", requestId = "r1", conversationId = "not-a-uuid", content = "x" });
        var badId = await ReceiveAsync(socket);
        await SendAsync(socket, new { type = "turn", requestId = "r2", conversationId = FakeChatService.UnknownConversation, content = "x" });
        var refused = await ReceiveAsync(socket);

        Assert.Equal(("error", 400), ((string?)notJson["type"], (int?)notJson["status"]));
        Assert.Contains("JSON", (string?)notJson["problem"]!["detail"]);
        Assert.Equal(("error", "r1", 400), ((string?)badId["type"], (string?)badId["requestId"], (int?)badId["status"]));
        Assert.Contains("conversationId", (string?)badId["problem"]!["detail"]);
        Assert.Equal(("error", "r2", 404), ((string?)refused["type"], (string?)refused["requestId"], (int?)refused["status"]));
        Assert.Equal("No such conversation.", (string?)refused["problem"]!["detail"]);
        await socket.SendAsync(new byte[100 * 1024], WebSocketMessageType.Text, true, Cancellation);
        var tooLarge = await ReceiveAsync(socket);
        Assert.Equal(("error", 413), ((string?)tooLarge["type"], (int?)tooLarge["status"]));
        Assert.Equal(WebSocketState.Open, socket.State);
        // Only the well-formed frame reached chat.
        Assert.Single(chat.Requests);
    }

    [Fact]
    public async Task Turn_frames_count_against_the_users_turn_limit()
    {
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(chat.Address, more: new Dictionary<string, string?>
        {
            ["RateLimits:Tiers:free:TurnsPerMinute"] = "1",
        }));
        using var socket = await ConnectAsync(host, TestTokens.Mint(Guid.NewGuid()));

        await SendAsync(socket, new { type = "turn", requestId = "first", conversationId = FakeChatService.UnknownConversation, content = "x" });
        var first = await ReceiveAsync(socket);
        await SendAsync(socket, new { type = "turn", requestId = "second", conversationId = FakeChatService.UnknownConversation, content = "x" });
        var second = await ReceiveAsync(socket);

        Assert.Equal(("first", 404), ((string?)first["requestId"], (int?)first["status"]));
        Assert.Equal(("second", 429), ((string?)second["requestId"], (int?)second["status"]));
        Assert.Single(chat.Requests);
    }

    [Fact]
    public async Task Closing_the_socket_cancels_its_upstream_streams()
    {
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(chat.Address));
        var socket = await ConnectAsync(host, TestTokens.Mint(Guid.NewGuid()));
        await SendAsync(socket, new { type = "turn", requestId = "r1", conversationId = Guid.NewGuid(), content = "x" });
        Assert.Equal("turn.started", (string?)(await ReceiveAsync(socket))["event"]);

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, Cancellation);
        socket.Dispose();

        await chat.TurnAborted.Task.WaitAsync(TimeSpan.FromSeconds(10), Cancellation);
    }

    [Fact]
    public async Task A_browser_may_pass_the_access_token_in_the_query()
    {
        await using var chat = await FakeChatService.StartAsync();
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(chat.Address));
        var userId = Guid.NewGuid();
        using var socket = new ClientWebSocket();

        await socket.ConnectAsync(SocketUri(host, $"?access_token={TestTokens.Mint(userId)}"), Cancellation);
        await SendAsync(socket, new { type = "stop", requestId = "s", conversationId = Guid.NewGuid(), messageId = Guid.NewGuid() });

        Assert.Equal("ack", (string?)(await ReceiveAsync(socket))["type"]);
        Assert.Equal([userId.ToString()], Assert.Single(chat.Requests).UserIds);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("?access_token=not-a-token")]
    public async Task A_socket_without_a_valid_token_is_refused_with_401(string? query)
    {
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings());
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(SocketUri(host, query ?? ""), Cancellation));

        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }

    private static Uri SocketUri(GatewayHost host, string query) => new($"ws://{host.BaseAddress!.Authority}/v1/ws{query}");

    private static async Task<ClientWebSocket> ConnectAsync(GatewayHost host, string token)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        await socket.ConnectAsync(SocketUri(host, ""), Cancellation);
        return socket;
    }

    private static Task SendAsync(WebSocket socket, object frame) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame), WebSocketMessageType.Text, true, Cancellation);

    private static async Task<JsonObject> ReceiveAsync(WebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        var length = 0;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            length += result.Count;
            if (result.EndOfMessage)
            {
                return (JsonObject)JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, length))!;
            }
        }
    }
}
