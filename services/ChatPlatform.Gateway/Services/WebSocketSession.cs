using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;
using Microsoft.AspNetCore.WebUtilities;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// One <c>/v1/ws</c> connection (docs/turns.md): each client frame opens the matching chat request, several at once,
/// and every SSE event of its answer goes back as an <c>event</c> frame; refusals are <c>error</c> frames with the
/// problem, never a dropped socket. Closing the socket cancels every request it opened.
/// </summary>
public sealed partial class WebSocketSession(
    WebSocket socket, ClaimsPrincipal user, UpstreamClient upstream, UserRateLimiter limiter, ILogger logger)
{
    public const int MaxFrameBytes = 64 * 1024;
    public const int MaxStreamsPerSocket = 32;

    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly Guid _userId = user.UserId() ?? throw new InvalidOperationException("The socket's user is not authenticated.");

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var closing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = new List<Task>();
        var buffer = new byte[MaxFrameBytes];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var (length, type) = await ReceiveFrameAsync(buffer, closing.Token);
                if (type == WebSocketMessageType.Close)
                {
                    break;
                }
                running.RemoveAll(task => task.IsCompleted);
                if (type == WebSocketMessageType.Binary)
                {
                    await SendErrorAsync(null, StatusCodes.Status400BadRequest, "Frames must be text frames of JSON.", closing.Token);
                }
                else if (length > MaxFrameBytes)
                {
                    await SendErrorAsync(null, StatusCodes.Status413PayloadTooLarge, $"Frames are limited to {MaxFrameBytes} bytes.", closing.Token);
                }
                else if (SocketRequest.Parse(buffer.AsSpan(0, length)) is { Request: null } invalid)
                {
                    await SendErrorAsync(invalid.RequestId, StatusCodes.Status400BadRequest, invalid.Error!, closing.Token);
                }
                else if (running.Count >= MaxStreamsPerSocket)
                {
                    await SendErrorAsync(
                        SocketRequest.Parse(buffer.AsSpan(0, length)).RequestId, StatusCodes.Status429TooManyRequests,
                        $"At most {MaxStreamsPerSocket} requests may run at once on one socket.", closing.Token);
                }
                else
                {
                    running.Add(RunRequestAsync(SocketRequest.Parse(buffer.AsSpan(0, length)).Request!, closing.Token));
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client went away: what it opened is cancelled below.
        }
        finally
        {
            await closing.CancelAsync();
            await Task.WhenAll(running);
        }
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
            catch (WebSocketException)
            {
                // Already gone.
            }
        }
    }

    /// <summary>Reads one whole message; a message over the buffer is read to its end and reported by its length.</summary>
    private async Task<(int Length, WebSocketMessageType Type)> ReceiveFrameAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var length = 0;
        while (true)
        {
            var segment = length < buffer.Length ? buffer.AsMemory(length) : new byte[4096];
            var result = await socket.ReceiveAsync(segment, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (0, WebSocketMessageType.Close);
            }
            length += result.Count;
            if (result.EndOfMessage)
            {
                return (length, result.MessageType);
            }
        }
    }

    private async Task RunRequestAsync(SocketRequest request, CancellationToken cancellationToken)
    {
        try
        {
            if (await limiter.AcquireAsync(_userId, user.FindFirstValue(GatewayClaims.Tier), request.StartsTurn) is { Admitted: false } refused)
            {
                await SendErrorAsync(request.RequestId, StatusCodes.Status429TooManyRequests, RateLimitHeaders.Describe(refused), cancellationToken);
                return;
            }
            using var message = ToChatRequest(request);
            using var invoker = upstream.CreateInvoker(Upstreams.Chat);
            using var response = await invoker.SendAsync(message, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                await SendFrameAsync(new JsonObject
                {
                    ["type"] = "error",
                    ["requestId"] = request.RequestId,
                    ["status"] = (int)response.StatusCode,
                    ["problem"] = await ReadProblemAsync(response, cancellationToken),
                }, cancellationToken);
                return;
            }
            if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
            {
                await SendFrameAsync(new JsonObject
                {
                    ["type"] = "ack", ["requestId"] = request.RequestId, ["status"] = (int)response.StatusCode,
                }, cancellationToken);
                return;
            }
            await using var events = await response.Content.ReadAsStreamAsync(cancellationToken);
            await foreach (var item in SseParser.Create(events).EnumerateAsync(cancellationToken))
            {
                await SendFrameAsync(new JsonObject
                {
                    ["type"] = "event",
                    ["requestId"] = request.RequestId,
                    ["id"] = long.TryParse(item.EventId, out var id) ? id : null,
                    ["event"] = item.EventType,
                    ["data"] = ParseData(item.Data),
                }, cancellationToken);
            }
        }
        catch (HttpRequestException e)
        {
            LogChatUnavailable(logger, e);
            await TrySendErrorAsync(request.RequestId, StatusCodes.Status502BadGateway, "The chat service is unavailable.", cancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException && cancellationToken.IsCancellationRequested)
        {
            // The socket closed: the upstream request has been cancelled with it.
        }
        catch (IOException e)
        {
            // The chat stream broke mid-answer; the client can resume from its last event id.
            LogChatStreamBroken(logger, e, request.RequestId);
            await TrySendErrorAsync(request.RequestId, StatusCodes.Status502BadGateway, "The chat stream ended unexpectedly; resume from the last event id.", cancellationToken);
        }
    }

    private HttpRequestMessage ToChatRequest(SocketRequest request)
    {
        var conversation = $"/v1/conversations/{request.ConversationId}";
        var message = request.Type switch
        {
            SocketRequest.Turn => upstream.CreateRequest(Upstreams.Chat, HttpMethod.Post, $"{conversation}/turns"),
            SocketRequest.Regenerate => upstream.CreateRequest(Upstreams.Chat, HttpMethod.Post, $"{conversation}/messages/{request.MessageId}/regenerate"),
            SocketRequest.Continue => upstream.CreateRequest(Upstreams.Chat, HttpMethod.Post, $"{conversation}/messages/{request.MessageId}/continue"),
            SocketRequest.Resume => upstream.CreateRequest(Upstreams.Chat, HttpMethod.Get, $"{conversation}/messages/{request.MessageId}/events"),
            _ => upstream.CreateRequest(Upstreams.Chat, HttpMethod.Post, $"{conversation}/messages/{request.MessageId}/stop"),
        };
        if (request.Type == SocketRequest.Turn)
        {
            message.Content = JsonContent(TurnBody(request));
        }
        if (request.LastEventId is { } lastEventId)
        {
            message.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        // Minted per request: a socket outlives a token's two minutes.
        message.Headers.Authorization = UpstreamClient.Bearer(upstream.InternalTokenFor(user)!);
        return message;
    }

    private static JsonObject TurnBody(SocketRequest request)
    {
        var body = new JsonObject { ["content"] = request.Content };
        if (request.ParentId is { } parentId)
        {
            // Present (even as null) means an edit; absent means "continue the current leaf".
            body["parentId"] = JsonSerializer.SerializeToNode(parentId);
        }
        if (request.FileIds is { } fileIds)
        {
            body["fileIds"] = JsonSerializer.SerializeToNode(fileIds);
        }
        return body;
    }

    private static ByteArrayContent JsonContent(JsonNode body) =>
        new(JsonSerializer.SerializeToUtf8Bytes(body)) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };

    private static JsonNode? ParseData(string data)
    {
        try
        {
            return JsonNode.Parse(data);
        }
        catch (JsonException)
        {
            return JsonValue.Create(data);
        }
    }

    private static async Task<JsonNode> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            if (JsonNode.Parse(text) is JsonObject problem)
            {
                return problem;
            }
        }
        catch (JsonException)
        {
            // Not a problem document: described below.
        }
        return Problem((int)response.StatusCode, null);
    }

    private static JsonObject Problem(int status, string? detail) => new()
    {
        ["title"] = ReasonPhrases.GetReasonPhrase(status),
        ["status"] = status,
        ["detail"] = detail,
    };

    private Task SendErrorAsync(string? requestId, int status, string detail, CancellationToken cancellationToken) =>
        SendFrameAsync(new JsonObject
        {
            ["type"] = "error", ["requestId"] = requestId, ["status"] = status, ["problem"] = Problem(status, detail),
        }, cancellationToken);

    private async Task TrySendErrorAsync(string requestId, int status, string detail, CancellationToken cancellationToken)
    {
        try
        {
            await SendErrorAsync(requestId, status, detail, cancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The socket is gone too.
        }
    }

    private async Task SendFrameAsync(JsonObject frame, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(frame);
        await _sending.WaitAsync(cancellationToken);
        try
        {
            await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sending.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The chat service could not be reached for a socket request")]
    private static partial void LogChatUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The chat stream of socket request {RequestId} broke mid-answer")]
    private static partial void LogChatStreamBroken(ILogger logger, Exception exception, string requestId);
}
