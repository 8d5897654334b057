using System.Text.Json;
using System.Text.Json.Nodes;
using ChatPlatform.ModelRouter.Model;
using Microsoft.AspNetCore.Http;

namespace ChatPlatform.ModelRouter.Tests.Fakes;

/// <summary>
/// Anthropic's Messages API: <c>POST /v1/messages</c>. Streams <c>message_start</c> (usage.input_tokens),
/// <c>content_block_start</c>, <c>ping</c>, one <c>content_block_delta</c> (text_delta) a token,
/// <c>content_block_stop</c>, <c>message_delta</c> (stop_reason, usage.output_tokens) and <c>message_stop</c>.
/// Anthropic counts cache reads apart from input_tokens, so the usage reports
/// <c>input_tokens = InputTokens - CachedInputTokens</c> and <c>cache_read_input_tokens = CachedInputTokens</c>.
/// See <see cref="FakeProviderServer"/> for the API.
/// </summary>
public sealed class FakeAnthropicServer : FakeProviderServer
{
    public override string ApiKeySetting => "Providers:Keys:fake_anthropic";

    public static async Task<FakeAnthropicServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var server = new FakeAnthropicServer();
        await server.StartServerAsync(["/v1/messages"], cancellationToken);
        return server;
    }

    /// <summary>An Anthropic deployment served by this fake (key from <see cref="FakeProviderServer.ApiKeySetting"/>).</summary>
    public DeploymentDefinition Deployment(string providerModel = "claude-fake", string id = "anthropic-fake", string modelId = "claude-fake") =>
        new(id, modelId, ProviderKind.Anthropic, providerModel, BaseAddress, ApiKeySetting, Priority: 1, Weight: 1, Pricing.Free);

    protected override async Task WriteResponseAsync(HttpContext context, RecordedRequest request, FakeBehavior behavior)
    {
        var body = new JsonObject
        {
            ["id"] = "msg_fake",
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = Model(request),
            ["content"] = new JsonArray([
                new JsonObject { ["type"] = "text", ["text"] = behavior.FinalText },
                .. behavior.ToolCalls.Select(call => (JsonNode)new JsonObject
                {
                    ["type"] = "tool_use", ["id"] = call.Id, ["name"] = call.Name, ["input"] = JsonNode.Parse(call.Arguments),
                })]),
            ["stop_reason"] = StopReason(behavior),
            ["stop_sequence"] = null,
            ["usage"] = Usage(behavior, behavior.ReportedOutputTokens),
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    protected override async Task WriteStreamStartAsync(HttpContext context, RecordedRequest request, FakeBehavior behavior)
    {
        StartSse(context);
        var message = new JsonObject
        {
            ["id"] = "msg_fake",
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = Model(request),
            ["content"] = new JsonArray(),
            ["stop_reason"] = null,
            ["stop_sequence"] = null,
            ["usage"] = Usage(behavior, outputTokens: 1),
        };
        await Event(context, "message_start", new JsonObject { ["type"] = "message_start", ["message"] = message });
        await Event(context, "content_block_start", new JsonObject
        {
            ["type"] = "content_block_start",
            ["index"] = 0,
            ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = "" },
        });
        await Event(context, "ping", new JsonObject { ["type"] = "ping" });
    }

    protected override Task WriteStreamTokenAsync(HttpContext context, RecordedRequest request, int index, string token) =>
        Event(context, "content_block_delta", new JsonObject
        {
            ["type"] = "content_block_delta",
            ["index"] = 0,
            ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = token },
        });

    protected override async Task WriteStreamEndAsync(HttpContext context, RecordedRequest request, FakeBehavior behavior)
    {
        await Event(context, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = 0 });
        // Each tool call is a tool_use block after the text, its input JSON streamed in two pieces.
        for (var i = 0; i < behavior.ToolCalls.Count; i++)
        {
            var call = behavior.ToolCalls[i];
            var half = call.Arguments.Length / 2;
            await Event(context, "content_block_start", new JsonObject
            {
                ["type"] = "content_block_start",
                ["index"] = i + 1,
                ["content_block"] = new JsonObject { ["type"] = "tool_use", ["id"] = call.Id, ["name"] = call.Name, ["input"] = new JsonObject() },
            });
            foreach (var piece in new[] { call.Arguments[..half], call.Arguments[half..] })
            {
                if (behavior.TokenDelay > TimeSpan.Zero)
                {
                    await Task.Delay(behavior.TokenDelay, context.RequestAborted);
                }

                await Event(context, "content_block_delta", new JsonObject
                {
                    ["type"] = "content_block_delta",
                    ["index"] = i + 1,
                    ["delta"] = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = piece },
                });
            }

            await Event(context, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = i + 1 });
        }

        await Event(context, "message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = StopReason(behavior), ["stop_sequence"] = null },
            ["usage"] = new JsonObject { ["output_tokens"] = behavior.ReportedOutputTokens },
        });
        await Event(context, "message_stop", new JsonObject { ["type"] = "message_stop" });
    }

    protected override string ErrorBody(string type, string message) =>
        JsonSerializer.Serialize(new { type = "error", error = new { type, message } });

    private static string StopReason(FakeBehavior behavior) => behavior.ToolCalls.Count > 0 ? "tool_use" : "end_turn";

    private static Task Event(HttpContext context, string name, JsonObject data) => WriteSseAsync(context, name, data.ToJsonString());

    private static string Model(RecordedRequest request) => request.Body["model"]?.GetValue<string>() ?? "claude-fake";

    private static JsonObject Usage(FakeBehavior behavior, int outputTokens) => new()
    {
        ["input_tokens"] = behavior.InputTokens - behavior.CachedInputTokens,
        ["cache_creation_input_tokens"] = 0,
        ["cache_read_input_tokens"] = behavior.CachedInputTokens,
        ["output_tokens"] = outputTokens,
    };
}
