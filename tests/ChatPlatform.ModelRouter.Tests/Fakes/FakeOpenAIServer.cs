using System.Text.Json;
using System.Text.Json.Nodes;
using ChatPlatform.ModelRouter.Model;
using Microsoft.AspNetCore.Http;

namespace ChatPlatform.ModelRouter.Tests.Fakes;

/// <summary>
/// OpenAI's Chat Completions API: <c>POST /v1/chat/completions</c> (OpenAI, OpenAI-compatible) and
/// <c>POST /openai/v1/chat/completions</c> (Azure OpenAI v1). Streams <c>chat.completion.chunk</c> events (role, then
/// one content delta a token, then finish_reason, then usage when <c>stream_options.include_usage</c>) and
/// <c>data: [DONE]</c>. Embeddings too: <c>POST /v1/embeddings</c> and Azure's
/// <c>POST /openai/deployments/{deployment}/embeddings</c> answer one vector per input (see <see cref="Vector"/>), in
/// reverse order of <c>index</c> as a provider may. See <see cref="FakeProviderServer"/> for the API.
/// </summary>
public sealed class FakeOpenAIServer : FakeProviderServer
{
    private const long Created = 1_767_225_600;

    public override string ApiKeySetting => "Providers:Keys:fake_openai";

    public static async Task<FakeOpenAIServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var server = new FakeOpenAIServer();
        await server.StartServerAsync(
            ["/v1/chat/completions", "/openai/v1/chat/completions", "/v1/embeddings", "/openai/deployments/{deployment}/embeddings"], cancellationToken);
        return server;
    }

    /// <summary>An OpenAI deployment served by this fake (endpoint <c>{base}/v1/</c>, key from <see cref="FakeProviderServer.ApiKeySetting"/>).</summary>
    public DeploymentDefinition Deployment(
        string providerModel = "gpt-fake", ProviderKind provider = ProviderKind.OpenAI, string id = "openai-fake", string modelId = "gpt-fake") =>
        new(id, modelId, provider, providerModel,
            provider == ProviderKind.AzureOpenAI ? BaseAddress : new Uri(BaseAddress, "v1/"),
            ApiKeySetting, Priority: 1, Weight: 1, Pricing.Free);

    /// <summary>
    /// The fake's embedding of one input: its length in characters, then the input's index, then ones, as many numbers as
    /// the request's <c>dimensions</c> or <see cref="FakeBehavior.EmbeddingDimensions"/>.
    /// </summary>
    public static float[] Vector(string input, int index, int dimensions) =>
        [.. Enumerable.Range(0, dimensions).Select(i => i switch { 0 => input.Length, 1 => index, _ => 1f })];

    private static async Task WriteEmbeddingsAsync(HttpContext context, RecordedRequest request, FakeBehavior behavior)
    {
        var inputs = request.Body["input"] is JsonArray array ? array.Select(i => (string)i!).ToList() : [(string)request.Body["input"]!];
        var dimensions = request.Body["dimensions"]?.GetValue<int>() ?? behavior.EmbeddingDimensions;
        var data = new JsonArray();
        for (var i = inputs.Count - 1; i >= 0; i--)
        {
            var vector = Vector(inputs[i], i, dimensions);
            data.Add(new JsonObject
            {
                ["object"] = "embedding",
                ["index"] = i,
                ["embedding"] = behavior.Base64Embeddings
                    ? Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan()))
                    : new JsonArray([.. vector.Select(v => (JsonNode)v)]),
            });
        }
        var body = new JsonObject { ["object"] = "list", ["data"] = data, ["model"] = Model(request) };
        if (behavior.ReportUsage)
        {
            body["usage"] = new JsonObject { ["prompt_tokens"] = behavior.InputTokens, ["total_tokens"] = behavior.InputTokens };
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    protected override async Task WriteResponseAsync(HttpContext context, RecordedRequest request, FakeBehavior behavior)
    {
        if (request.Path.EndsWith("/embeddings", StringComparison.Ordinal))
        {
            await WriteEmbeddingsAsync(context, request, behavior);
            return;
        }
        var body = new JsonObject
        {
            ["id"] = "chatcmpl-fake",
            ["object"] = "chat.completion",
            ["created"] = Created,
            ["model"] = Model(request),
            ["system_fingerprint"] = "fp_fake",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = Message(behavior),
                ["logprobs"] = null,
                ["finish_reason"] = FinishReason(behavior),
            }),
            ["usage"] = Usage(behavior),
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    protected override async Task WriteStreamStartAsync(HttpContext context, RecordedRequest request, FakeBehavior behavior)
    {
        StartSse(context);
        await WriteSseAsync(context, eventName: null, Chunk(request, new JsonObject { ["role"] = "assistant", ["content"] = "" }, finishReason: null));
    }

    protected override Task WriteStreamTokenAsync(HttpContext context, RecordedRequest request, int index, string token) =>
        WriteSseAsync(context, eventName: null, Chunk(request, new JsonObject { ["content"] = token }, finishReason: null));

    protected override async Task WriteStreamEndAsync(HttpContext context, RecordedRequest request, FakeBehavior behavior)
    {
        for (var i = 0; i < behavior.ToolCalls.Count; i++)
        {
            var call = behavior.ToolCalls[i];
            var half = call.Arguments.Length / 2;
            string[] fragments =
            [
                ToolCallChunk(request, i, call.Id, call.Name, ""),
                ToolCallChunk(request, i, id: null, name: null, call.Arguments[..half]),
                ToolCallChunk(request, i, id: null, name: null, call.Arguments[half..]),
            ];
            foreach (var fragment in fragments)
            {
                if (behavior.TokenDelay > TimeSpan.Zero)
                {
                    await Task.Delay(behavior.TokenDelay, context.RequestAborted);
                }

                await WriteSseAsync(context, eventName: null, fragment);
            }
        }

        await WriteSseAsync(context, eventName: null, Chunk(request, [], FinishReason(behavior)));
        if (request.Body["stream_options"]?["include_usage"]?.GetValue<bool>() == true)
        {
            var usageChunk = ChunkObject(request);
            usageChunk["choices"] = new JsonArray();
            usageChunk["usage"] = Usage(behavior);
            await WriteSseAsync(context, eventName: null, usageChunk.ToJsonString());
        }

        await WriteSseAsync(context, eventName: null, "[DONE]");
    }

    protected override string ErrorBody(string type, string message) =>
        JsonSerializer.Serialize(new { error = new { message, type, param = (string?)null, code = (string?)null } });

    private static string Model(RecordedRequest request) => request.Body["model"]?.GetValue<string>() ?? "gpt-fake";

    private static JsonObject ChunkObject(RecordedRequest request)
    {
        var chunk = new JsonObject
        {
            ["id"] = "chatcmpl-fake",
            ["object"] = "chat.completion.chunk",
            ["created"] = Created,
            ["model"] = Model(request),
            ["system_fingerprint"] = "fp_fake",
        };
        if (request.Body["stream_options"]?["include_usage"]?.GetValue<bool>() == true)
        {
            chunk["usage"] = null;
        }

        return chunk;
    }

    private static string Chunk(RecordedRequest request, JsonObject delta, string? finishReason)
    {
        var chunk = ChunkObject(request);
        chunk["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["delta"] = delta,
            ["logprobs"] = null,
            ["finish_reason"] = finishReason,
        });
        return chunk.ToJsonString();
    }

    private static string FinishReason(FakeBehavior behavior) => behavior.ToolCalls.Count > 0 ? "tool_calls" : "stop";

    private static JsonObject Message(FakeBehavior behavior)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = behavior.FinalText, ["refusal"] = null };
        if (behavior.ToolCalls.Count > 0)
        {
            message["content"] = behavior.FinalText.Length > 0 ? behavior.FinalText : null;
            message["tool_calls"] = new JsonArray([.. behavior.ToolCalls.Select(call => (JsonNode)new JsonObject
            {
                ["id"] = call.Id,
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.Arguments },
            })]);
        }

        return message;
    }

    // The first fragment of a call carries its id, type and name; the next ones only pieces of its arguments.
    private static string ToolCallChunk(RecordedRequest request, int index, string? id, string? name, string arguments)
    {
        var call = new JsonObject { ["index"] = index };
        if (id is not null)
        {
            call["id"] = id;
            call["type"] = "function";
        }

        var function = new JsonObject { ["arguments"] = arguments };
        if (name is not null)
        {
            function["name"] = name;
        }

        call["function"] = function;
        return Chunk(request, new JsonObject { ["tool_calls"] = new JsonArray(call) }, finishReason: null);
    }

    private static JsonObject Usage(FakeBehavior behavior) => new()
    {
        ["prompt_tokens"] = behavior.InputTokens,
        ["completion_tokens"] = behavior.ReportedOutputTokens,
        ["total_tokens"] = behavior.InputTokens + behavior.ReportedOutputTokens,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = behavior.CachedInputTokens, ["audio_tokens"] = 0 },
        ["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0, ["audio_tokens"] = 0 },
    };
}
