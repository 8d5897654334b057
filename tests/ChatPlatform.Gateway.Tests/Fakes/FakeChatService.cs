using System.Collections.Concurrent;
using System.Text.Json;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Gateway.Tests.Fakes;

/// <summary>
/// A request as the fake chat service received it: <see cref="UserIds"/> are the subjects of a valid internal token
/// (none without one); <see cref="HadCredentials"/> says whether any of the client's own credentials came through.
/// </summary>
internal sealed record ReceivedRequest(
    string Method, string PathAndQuery, string[] UserIds, bool HadCredentials, string Body, string? LastEventId, string Protocol, string? Role = null);

/// <summary>
/// The chat service's side of docs/turns.md over real HTTP: every conversation call is echoed as JSON; a turn streams
/// turn.started at once and holds the rest until the test releases it; stop answers 202; a conversation the fake does
/// not know answers 404 problem details. Like chat's h2c endpoint, it can speak cleartext HTTP/2 only.
/// </summary>
internal sealed class FakeChatService : IAsyncDisposable
{
    public static readonly Guid UnknownConversation = Guid.Parse("00000000-0000-0000-0000-00000000dead");
    public static readonly Guid AssistantMessage = Guid.Parse("0193a1b2-0000-7000-8000-000000000001");

    private FakeChatService(LoopbackHttpServer server) => Server = server;

    public LoopbackHttpServer Server { get; }

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>Completes the held part of every turn stream.</summary>
    public TaskCompletionSource ReleaseTurns { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a turn stream saw its request cancelled (the caller went away) before it was released.</summary>
    public TaskCompletionSource TurnAborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a turn request arrives.</summary>
    public TaskCompletionSource TurnStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Address => Server.BaseAddress.ToString().TrimEnd('/');

    public static async Task<FakeChatService> StartAsync(bool http2Only = false)
    {
        FakeChatService? fake = null;
        var server = await LoopbackHttpServer.StartAsync(builder =>
        {
            if (http2Only)
            {
                builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2));
            }
        }, app =>
        {
            app.Map("/v1/conversations/{**path}", (HttpContext context) => fake!.EchoAsync(context));
            app.Map("/v1/folders/{**path}", (HttpContext context) => fake!.EchoAsync(context));
            app.Map("/v1/tags", (HttpContext context) => fake!.EchoAsync(context));
            app.Map("/v1/shares/{**path}", (HttpContext context) => fake!.EchoAsync(context));
            app.Map("/v1/shared/{**path}", (HttpContext context) => fake!.EchoAsync(context));
            app.Map("/v1/search", (HttpContext context) => fake!.EchoAsync(context));
            app.MapPost("/v1/conversations/{conversationId:guid}/turns", (HttpContext context, Guid conversationId) => fake!.TurnAsync(context, conversationId));
            app.MapPost("/v1/conversations/{conversationId:guid}/messages/{messageId:guid}/stop", (HttpContext context, Guid conversationId) => fake!.StopAsync(context, conversationId));
            app.MapGet("/v1/conversations/{conversationId:guid}/messages/{messageId:guid}/events", (HttpContext context, Guid conversationId) => fake!.ResumeAsync(context, conversationId));
            app.MapPost("/v1/conversations/{conversationId:guid}/messages/{messageId:guid}/continue", (HttpContext context, Guid conversationId) => fake!.ContinueAsync(context, conversationId));
        }, TestContext.Current.CancellationToken);
        fake = new FakeChatService(server);
        return fake;
    }

    private async Task<ReceivedRequest> RecordAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var caller = await InternalTokens.ValidateAsync(context.Request.Headers.Authorization.ToString());
        var received = new ReceivedRequest(
            context.Request.Method,
            $"{context.Request.Path}{context.Request.QueryString}",
            [.. caller?.FindAll("sub").Select(c => c.Value) ?? []],
            (caller is null && context.Request.Headers.ContainsKey("Authorization")) || context.Request.Headers.ContainsKey("x-api-key")
                || context.Request.Headers.ContainsKey("X-User-Id") || context.Request.Headers.ContainsKey("Cookie"),
            await reader.ReadToEndAsync(context.RequestAborted),
            context.Request.Headers["Last-Event-ID"].FirstOrDefault(),
            context.Request.Protocol,
            caller?.FindFirst("role")?.Value);
        Requests.Enqueue(received);
        return received;
    }

    private async Task EchoAsync(HttpContext context)
    {
        var received = await RecordAsync(context);
        context.Response.Headers["X-Echo"] = "chat";
        await context.Response.WriteAsJsonAsync(received, context.RequestAborted);
    }

    private async Task TurnAsync(HttpContext context, Guid conversationId)
    {
        var received = await RecordAsync(context);
        TurnStarted.TrySetResult();
        if (conversationId == UnknownConversation)
        {
            await Results.Problem(statusCode: 404, title: "Not Found", detail: "No such conversation.").ExecuteAsync(context);
            return;
        }
        var content = JsonDocument.Parse(received.Body).RootElement.GetProperty("content").GetString();
        context.Response.ContentType = "text/event-stream";
        await WriteEventAsync(context, 1, "turn.started", new { conversationId, userMessage = new { content }, assistantMessage = new { id = AssistantMessage, status = "streaming", content = "" } });
        try
        {
            await ReleaseTurns.Task.WaitAsync(context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            TurnAborted.TrySetResult();
            return;
        }
        await WriteEventAsync(context, 2, "delta", new { text = $"echo: {content}" });
        await WriteEventAsync(context, 3, "done", new { message = new { id = AssistantMessage, status = "complete", content = $"echo: {content}" }, finishReason = "stop", usage = (object?)null });
    }

    private async Task StopAsync(HttpContext context, Guid conversationId)
    {
        await RecordAsync(context);
        context.Response.StatusCode = conversationId == UnknownConversation ? 404 : 202;
    }

    // A new answer going on from the one named: events 1 to 3, or chat's 404 for a conversation that is not the caller's.
    private async Task ContinueAsync(HttpContext context, Guid conversationId)
    {
        if (conversationId == UnknownConversation)
        {
            await RecordAsync(context);
            await Results.Problem(statusCode: 404, title: "Not Found", detail: "No such conversation.").ExecuteAsync(context);
            return;
        }
        await ResumeAsync(context, conversationId);
    }

    private async Task ResumeAsync(HttpContext context, Guid conversationId)
    {
        var received = await RecordAsync(context);
        var after = long.TryParse(received.LastEventId, out var last) ? last : 0;
        context.Response.ContentType = "text/event-stream";
        for (var id = after + 1; id <= 3; id++)
        {
            await WriteEventAsync(context, id, id == 3 ? "done" : "delta", new { text = $"event {id}", conversationId });
        }
    }

    private static async Task WriteEventAsync(HttpContext context, long id, string type, object data)
    {
        await context.Response.WriteAsync($"id: {id}\nevent: {type}\ndata: {JsonSerializer.Serialize(data, JsonSerializerOptions.Web)}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
