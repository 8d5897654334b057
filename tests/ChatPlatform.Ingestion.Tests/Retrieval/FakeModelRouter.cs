using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatPlatform.Ingestion.Tests.Retrieval;

/// <summary>
/// The model router's <c>POST /v1/embeddings</c> on a loopback port: it checks the internal token as the router does
/// (401 without a valid one), answers a deterministic hashed bag of words at unit length, and can be told to fail the
/// next calls with a status, as a router whose deployments are all busy would.
/// </summary>
public sealed class FakeModelRouter : IAsyncDisposable
{
    private readonly ConcurrentQueue<int> _failures = new();
    private readonly ConcurrentQueue<EmbeddingCall> _calls = new();
    private LoopbackHttpServer? _server;

    public const string Deployment = "fake-embed-1";

    /// <summary>What the fake charges an input, in its usage's <c>chatplatform.cost_usd</c>.</summary>
    public const decimal CostPerInput = 0.0000013m;

    public Uri BaseAddress => _server!.BaseAddress;

    /// <summary>Every call, the failed ones included, in arrival order.</summary>
    public IReadOnlyList<EmbeddingCall> Calls => [.. _calls];

    public static async Task<FakeModelRouter> StartAsync(CancellationToken cancellationToken)
    {
        var router = new FakeModelRouter();
        router._server = await LoopbackHttpServer.StartAsync(routes => routes.MapPost("/v1/embeddings", router.EmbedAsync), cancellationToken);
        return router;
    }

    /// <summary>The next calls answer <paramref name="status"/>, in OpenAI's error shape, one per item.</summary>
    public void FailNext(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _failures.Enqueue(status);
        }
    }

    /// <summary>The fake's embedding of <paramref name="text"/>: its words hashed into 384 places, at unit length.</summary>
    public static float[] Vector(string text, int dimensions = 384)
    {
        var vector = new float[dimensions];
        foreach (var word in text.ToLowerInvariant().Split([' ', '.', ',', '?', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            var hash = 2166136261u;
            foreach (var b in Encoding.UTF8.GetBytes(word))
            {
                hash = (hash ^ b) * 16777619u;
            }
            vector[hash % (uint)dimensions] += 1;
        }
        vector[0] += 0.001f;
        var length = MathF.Sqrt(vector.Sum(v => v * v));
        return [.. vector.Select(v => v / length)];
    }

    private async Task EmbedAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var identity = await InternalTokens.ValidateAsync(authorization);
        var body = (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!.AsObject();
        var inputs = body["input"]!.AsArray().Select(i => (string)i!).ToList();
        var failure = _failures.TryDequeue(out var status) ? status : (int?)null;
        _calls.Enqueue(new EmbeddingCall(
            (string?)body["model"], inputs, (int?)body["dimensions"], identity?.FindFirst("role")?.Value, failure));
        if (identity is null)
        {
            context.Response.StatusCode = 401;
            return;
        }
        if (failure is { } code)
        {
            context.Response.StatusCode = code;
            await context.Response.WriteAsJsonAsync(new { error = new { message = "All deployments are busy.", type = "server_error" } }, context.RequestAborted);
            return;
        }
        var dimensions = (int?)body["dimensions"] ?? 384;
        var data = new JsonArray([.. inputs.Select((text, index) => (JsonNode)new JsonObject
        {
            ["object"] = "embedding",
            ["index"] = index,
            ["embedding"] = new JsonArray([.. Vector(text, dimensions).Select(v => (JsonNode)v)]),
        })]);
        var answer = new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = (string?)body["model"],
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = inputs.Count * 10,
                ["total_tokens"] = inputs.Count * 10,
                ["chatplatform"] = new JsonObject
                {
                    ["deployment"] = Deployment, ["provider"] = "simulator", ["estimated"] = false, ["cost_usd"] = inputs.Count * CostPerInput,
                    ["duration_ms"] = 3,
                },
            },
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <param name="Failure">The status the call was failed with, or null when it was answered.</param>
public sealed record EmbeddingCall(string? Model, IReadOnlyList<string> Inputs, int? Dimensions, string? Role, int? Failure);
