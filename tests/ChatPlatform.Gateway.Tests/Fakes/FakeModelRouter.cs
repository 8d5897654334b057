using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Gateway.Tests.Fakes;

/// <summary>
/// The model router's public wire over real HTTP (services/ChatPlatform.ModelRouter/OpenAI): chat completions as OpenAI
/// writes them plus the router's <c>usage.chatplatform</c> block, the usage chunk only when asked for; an unknown model
/// answers OpenAI's 404 error; <c>/v1/models</c>, <c>/v1/models/sim-fast</c> and <c>/v1/admin/**</c> echo what they received; any other model id is
/// OpenAI's 404.
/// </summary>
internal sealed class FakeModelRouter : IAsyncDisposable
{
    public const string Model = "sim-fast";
    public const string Deployment = "sim-fast-eu";
    public const string Provider = "simulated";
    public const long PromptTokens = 17;
    public const long CompletionTokens = 2;
    public const long CachedTokens = 5;
    public const decimal CostUsd = 0.000123m;
    public const long TimeToFirstTokenMs = 42;

    private FakeModelRouter(LoopbackHttpServer server) => Server = server;

    public LoopbackHttpServer Server { get; }

    /// <summary>Each chat completion body as received, with the subject of its valid internal token (null without one).</summary>
    public ConcurrentQueue<(JsonObject Body, string? UserId)> Completions { get; } = new();

    public ConcurrentQueue<(string Method, string Path, string? UserId)> Calls { get; } = new();

    public string Address => Server.BaseAddress.ToString().TrimEnd('/');

    /// <summary>When set, a stream holds after its first word until this completes or its caller leaves.</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>Completed when a stream has sent its first word and holds at <see cref="Gate"/>.</summary>
    public TaskCompletionSource Holding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed when the caller of a held stream went away.</summary>
    public TaskCompletionSource StreamAborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When true, a stream's provider fails after the first word: an error event, no usage, no <c>[DONE]</c>.</summary>
    public bool FailMidStream { get; set; }

    public static async Task<FakeModelRouter> StartAsync()
    {
        FakeModelRouter? fake = null;
        var server = await LoopbackHttpServer.StartAsync(app =>
        {
            app.MapPost("/v1/chat/completions", (HttpContext context) => fake!.CompleteAsync(context));
            app.MapGet("/v1/models", (HttpContext context) => fake!.EchoAsync(context));
            app.MapGet("/v1/models/{**id}", (HttpContext context, string id) => id == Model ? fake!.EchoAsync(context) : fake!.NotFoundAsync(context));
            app.Map("/v1/admin/{**path}", (HttpContext context) => fake!.EchoAsync(context));
        }, TestContext.Current.CancellationToken);
        fake = new FakeModelRouter(server);
        return fake;
    }

    private static async Task<string?> CallerAsync(HttpContext context) =>
        (await InternalTokens.ValidateAsync(context.Request.Headers.Authorization.ToString()))?.FindFirst("sub")?.Value;

    private async Task EchoAsync(HttpContext context)
    {
        Calls.Enqueue((context.Request.Method, context.Request.Path.ToString(), await CallerAsync(context)));
        await context.Response.WriteAsJsonAsync(new { @object = "list", path = context.Request.Path.ToString() }, context.RequestAborted);
    }

    private async Task NotFoundAsync(HttpContext context)
    {
        Calls.Enqueue((context.Request.Method, context.Request.Path.ToString(), await CallerAsync(context)));
        context.Response.StatusCode = 404;
        await context.Response.WriteAsJsonAsync(
            new { error = new { message = "The model does not exist.", type = "invalid_request_error", param = "model", code = "model_not_found" } },
            context.RequestAborted);
    }

    private async Task CompleteAsync(HttpContext context)
    {
        var body = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!;
        Completions.Enqueue((body, await CallerAsync(context)));
        if ((string?)body["model"] != Model)
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsJsonAsync(new
            {
                error = new { message = $"The model '{body["model"]}' does not exist.", type = "invalid_request_error", param = "model", code = "model_not_found" },
            }, context.RequestAborted);
            return;
        }
        const string id = "chatcmpl-fake";
        const long created = 1_700_000_000;
        if (body["stream"] is JsonValue stream && (bool)stream)
        {
            context.Response.ContentType = "text/event-stream";
            await WriteChunkAsync(context, new { id, @object = "chat.completion.chunk", created, model = Model, choices = new[] { new { index = 0, delta = new { role = "assistant", content = "" }, finish_reason = (string?)null } } });
            foreach (var text in new[] { "Hello", " world" })
            {
                await WriteChunkAsync(context, new { id, @object = "chat.completion.chunk", created, model = Model, choices = new[] { new { index = 0, delta = new { role = (string?)null, content = text }, finish_reason = (string?)null } } });
                if (FailMidStream)
                {
                    await WriteChunkAsync(context, new { error = new { message = "The provider failed mid-answer.", type = "server_error", code = "provider_error" } });
                    return;
                }
                if (Gate is { } gate)
                {
                    Holding.TrySetResult();
                    try
                    {
                        await gate.Task.WaitAsync(context.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                        StreamAborted.TrySetResult();
                        return;
                    }
                }
            }
            await WriteChunkAsync(context, new { id, @object = "chat.completion.chunk", created, model = Model, choices = new[] { new { index = 0, delta = new { role = (string?)null, content = (string?)null }, finish_reason = "stop" } } });
            if (body["stream_options"]?["include_usage"] is JsonValue include && (bool)include)
            {
                await WriteChunkAsync(context, new { id, @object = "chat.completion.chunk", created, model = Model, choices = Array.Empty<object>(), usage = Usage() });
            }
            await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
            return;
        }
        await context.Response.WriteAsJsonAsync(new
        {
            id,
            @object = "chat.completion",
            created,
            model = Model,
            choices = new[] { new { index = 0, message = new { role = "assistant", content = "Hello world", refusal = (string?)null }, finish_reason = "stop", logprobs = (object?)null } },
            usage = Usage(),
        }, context.RequestAborted);
    }

    private static object Usage() => new
    {
        prompt_tokens = PromptTokens,
        completion_tokens = CompletionTokens,
        total_tokens = PromptTokens + CompletionTokens,
        prompt_tokens_details = new { cached_tokens = CachedTokens },
        chatplatform = new { deployment = Deployment, provider = Provider, estimated = false, cost_usd = CostUsd, time_to_first_token_ms = TimeToFirstTokenMs, finish_reason = "stop" },
    };

    private static async Task WriteChunkAsync(HttpContext context, object chunk)
    {
        await context.Response.WriteAsync($"data: {JsonSerializer.Serialize(chunk)}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
