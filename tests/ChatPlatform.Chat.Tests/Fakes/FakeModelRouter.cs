using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Chat.Tests.Fakes;

/// <summary>
/// The model router's OpenAI-compatible API over real HTTP, as ChatCompletionWire writes it (snake_case, the usage chunk
/// with <c>usage.chatplatform</c>, <c>[DONE]</c>): <c>GET /v1/models</c> and <c>POST /v1/chat/completions</c>, streamed
/// or whole. Each test scripts the answer: its tokens, a gate that holds the stream after some of them, and failures.
/// </summary>
public sealed class FakeModelRouter : IAsyncDisposable
{
    public const string TinyModel = "tiny";
    public const string FastModel = "sim-fast";
    public const string VisionModel = "sim-vision";

    /// <summary>A model that takes no temperature (<c>capabilities.temperature: false</c>), as reasoning models.</summary>
    public const string ReasoningModel = "sim-reasoning";

    /// <summary>A model only the pro tier may use (the router lists its <c>tiers</c>).</summary>
    public const string ProModel = "sim-pro";

    private readonly LoopbackHttpServer _server;

    private FakeModelRouter(LoopbackHttpServer server) => _server = server;

    public Uri BaseAddress => _server.BaseAddress;

    /// <summary>The bodies of the streamed completions asked for, in order.</summary>
    public ConcurrentQueue<JsonNode> StreamRequests { get; } = new();

    /// <summary>The bodies of the whole (non-streamed) completions asked for: the title requests.</summary>
    public ConcurrentQueue<JsonNode> WholeRequests { get; } = new();

    public IReadOnlyList<string> Tokens { get; set; } = ["Hello", ", ", "how ", "can ", "I ", "help?"];

    /// <summary>When set, the stream waits here after <see cref="HoldAfterTokens"/> tokens.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public int HoldAfterTokens { get; set; } = 2;

    /// <summary>Why streamed answers end: <c>length</c> is an answer cut at its output limit.</summary>
    public string FinishReason { get; set; } = "stop";

    /// <summary>When set, streamed requests answer this status with OpenAI's error body before any token.</summary>
    public int? FailWithStatus { get; set; }

    /// <summary>When set, the stream sends OpenAI's in-stream error after this many tokens.</summary>
    public int? FailAfterTokens { get; set; }

    /// <summary>The answer of whole completions; null answers 500.</summary>
    public string? TitleAnswer { get; set; } = "Greetings and help";

    /// <summary>Completes when a streamed request was aborted by the caller before it ended.</summary>
    public TaskCompletionSource StreamAborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the stream has sent <see cref="HoldAfterTokens"/> tokens and waits at the gate.</summary>
    public TaskCompletionSource Holding { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<FakeModelRouter> StartAsync(CancellationToken cancellationToken)
    {
        FakeModelRouter? router = null;
        var server = await LoopbackHttpServer.StartAsync(app =>
        {
            app.MapGet("/v1/models", (HttpContext context) =>
            {
                router!.Record(context);
                return Results.Text(Models, "application/json");
            });
            app.MapPost("/v1/chat/completions", (HttpContext context) =>
            {
                router!.Record(context);
                return router.CompleteAsync(context);
            });
        }, cancellationToken);
        router = new FakeModelRouter(server);
        return router;
    }

    /// <summary>Each call's path and the role and subject of its internal token (unchecked here; the real router checks it).</summary>
    public ConcurrentQueue<(string Path, string? Role, string? Subject)> Callers { get; } = new();

    private void Record(HttpContext context)
    {
        var token = InternalTokens.Read(context.Request.Headers.Authorization.ToString());
        Callers.Enqueue((context.Request.Path.ToString(),
            token?.TryGetClaim("role", out var role) == true ? role.Value : null,
            token?.TryGetClaim("sub", out var sub) == true ? sub.Value : null));
    }

    /// <summary>Holds the next stream after <paramref name="tokens"/> tokens until <see cref="Release"/>.</summary>
    public void HoldAfter(int tokens)
    {
        HoldAfterTokens = tokens;
        Holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void Release() => Gate?.TrySetResult();

    public string Answer => string.Concat(Tokens);

    private static string Models => new JsonObject
    {
            ["object"] = "list",
        ["data"] = new JsonArray(Model(FastModel, 32_768, 4_096), Model(TinyModel, 300, 50), Model(VisionModel, 32_768, 4_096, vision: true),
            Model(ProModel, 32_768, 4_096, tiers: ["pro"]), Model(ReasoningModel, 32_768, 4_096, temperature: false)),
    }.ToJsonString();

    private static JsonObject Model(string id, int contextWindow, int maxOutput, bool vision = false, string[]? tiers = null, bool? temperature = null)
    {
        var model = new JsonObject
        {
            ["object"] = "model",
            ["id"] = id,
            ["created"] = 0,
            ["owned_by"] = "simulator",
            ["display_name"] = DisplayName(id),
            ["context_window"] = contextWindow,
            ["max_output_tokens"] = maxOutput,
            ["capabilities"] = new JsonObject { ["vision"] = vision, ["tools"] = false },
            ["simulated"] = true,
        };
        if (temperature is { } allowed)
        {
            model["capabilities"]!["temperature"] = allowed;
        }
        if (tiers is not null)
        {
            model["tiers"] = new JsonArray([.. tiers.Select(t => (JsonNode)t)]);
        }
        return model;
    }

    /// <summary>What <c>/v1/models</c> names a model for people: <c>sim-fast</c> is "Sim Fast".</summary>
    public static string DisplayName(string id) =>
        string.Join(' ', id.Split('-').Select(word => char.ToUpperInvariant(word[0]) + word[1..]));

    private async Task CompleteAsync(HttpContext context)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!;
        if (body["stream"]?.GetValue<bool>() != true)
        {
            WholeRequests.Enqueue(body);
            await WriteWholeAsync(context, body);
            return;
        }
        StreamRequests.Enqueue(body);
        if (FailWithStatus is { } status)
        {
            context.Response.StatusCode = status;
            await context.Response.WriteAsJsonAsync(Error("The upstream provider is unavailable.", "provider_unavailable"));
            return;
        }
        try
        {
            await StreamAsync(context, body);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            StreamAborted.TrySetResult();
        }
    }

    private async Task StreamAsync(HttpContext context, JsonNode request)
    {
        var cancellationToken = context.RequestAborted;
        context.Response.ContentType = "text/event-stream";
        var model = request["model"]!.GetValue<string>();
        await WriteAsync(context, Chunk(model, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null));
        for (var i = 0; i < Tokens.Count; i++)
        {
            if (i == HoldAfterTokens && Gate is { } gate)
            {
                Holding.TrySetResult();
                await gate.Task.WaitAsync(cancellationToken);
            }
            if (i == FailAfterTokens)
            {
                await WriteAsync(context, Error("The provider failed mid-answer.", "provider_error"));
                return;
            }
            await WriteAsync(context, Chunk(model, new JsonObject { ["content"] = Tokens[i] }, null));
        }
        await WriteAsync(context, Chunk(model, new JsonObject(), FinishReason));
        if (request["stream_options"]?["include_usage"]?.GetValue<bool>() == true)
        {
            var usage = Chunk(model, null, null);
            usage["usage"] = Usage(request, Tokens.Count, FinishReason);
            await WriteAsync(context, usage);
        }
        await context.Response.WriteAsync("data: [DONE]\n\n", cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    private async Task WriteWholeAsync(HttpContext context, JsonNode request)
    {
        if (TitleAnswer is not { } title)
        {
            context.Response.StatusCode = 500;
            await context.Response.WriteAsJsonAsync(Error("The provider failed.", "provider_error"));
            return;
        }
        await context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["id"] = "chatcmpl-fake",
            ["object"] = "chat.completion",
            ["created"] = 0,
            ["model"] = request["model"]!.GetValue<string>(),
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = title },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = Usage(request, 4),
        });
    }

    private static JsonObject Chunk(string model, JsonObject? delta, string? finishReason) => new()
    {
            ["id"] = "chatcmpl-fake",
            ["object"] = "chat.completion.chunk",
            ["created"] = 0,
        ["model"] = model,
        ["choices"] = delta is null
            ? new JsonArray()
            : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
    };

    public const decimal CostUsd = 0.00042m;

    private static JsonObject Usage(JsonNode request, int outputTokens, string finishReason = "stop") => new()
    {
        ["prompt_tokens"] = request["messages"]!.AsArray().Count * 10,
        ["completion_tokens"] = outputTokens,
        ["total_tokens"] = (request["messages"]!.AsArray().Count * 10) + outputTokens,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
        ["chatplatform"] = new JsonObject
        {
            ["deployment"] = "fake-1",
            ["provider"] = "simulator",
            ["estimated"] = false,
            ["cost_usd"] = CostUsd,
            ["time_to_first_token_ms"] = 7,
            ["finish_reason"] = finishReason,
        },
    };

    private static JsonObject Error(string message, string code) => new()
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = "server_error", ["param"] = null, ["code"] = code },
    };

    private static async Task WriteAsync(HttpContext context, JsonNode data)
    {
        await context.Response.WriteAsync($"data: {data.ToJsonString()}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public ValueTask DisposeAsync()
    {
        Release();
        return _server.DisposeAsync();
    }
}
