using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ChatPlatform.ModelRouter.Catalog;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers;
using ChatPlatform.ModelRouter.Tests.Fakes;
using ChatPlatform.ModelRouter.Tests.Routing;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;
using static ChatPlatform.ModelRouter.Tests.Routing.RouterHarness;

namespace ChatPlatform.ModelRouter.Tests.Apis;

public sealed class ChatCompletionsApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_service_as_Program_wires_it_answers_from_the_default_simulated_catalog()
    {
        var database = await postgres.CreateDatabaseAsync(Token);
        await using var factory = new WebApplicationFactory<ChatPlatform.ModelRouter.Routing.ChatRouter>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:chatdb", database);
            web.UseSetting("ConnectionStrings:redis", redis.ConnectionString);
            web.UseSetting(InternalTokens.Setting, InternalTokens.Key);
            foreach (var setting in new[]
            {
                DefaultCatalog.OpenAIKeySetting, DefaultCatalog.AnthropicKeySetting, DefaultCatalog.AzureEndpointSetting,
                DefaultCatalog.AzureKeySetting, DefaultCatalog.AzureDeploymentSetting, DefaultCatalog.CompatibleBaseUrlSetting,
                DefaultCatalog.CompatibleModelSetting, DefaultCatalog.CompatibleKeySetting,
            })
            {
                web.UseSetting(setting, "");
            }
        });
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = InternalTokens.Admin();
        await factory.Services.GetRequiredService<ModelCatalog>().WhenLoadedAsync(Token).WaitAsync(TimeSpan.FromSeconds(30), Token);

        using var response = await client.PostAsync("/v1/chat/completions", Json("""
            {"model":"sim-fast","messages":[{"role":"user","content":"Hello"}],"stream":true,"stream_options":{"include_usage":true}}
            """), Token);
        var events = Events(await response.Content.ReadAsStringAsync(Token));
        var health = await client.GetFromJsonAsync<JsonNode>("/v1/admin/providers/health", Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("[DONE]", events[^1]);
        var usage = JsonNode.Parse(events[^2])!["usage"]!;
        Assert.True((bool)usage["chatplatform"]!["estimated"]!);
        Assert.Equal("sim-fast-1", (string?)usage["chatplatform"]!["deployment"]);
        Assert.Contains(health!["deployments"]!.AsArray(), d => (string?)d!["id"] == "sim-fast-1" && (int)d["requests"]! == 1);
    }

    private static async Task<(RoutingTestHost Host, ScriptedClientFactory Clients)> StartAsync(
        params (DeploymentDefinition Deployment, ScriptedChatClient Client)[] deployments)
    {
        var clients = new ScriptedClientFactory();
        foreach (var (deployment, client) in deployments)
        {
            clients.Clients[deployment.Id] = client;
        }
        var catalog = new InMemoryCatalog([ChatModel(), ChatModel() with { Id = "vision-model", Capabilities = new(Vision: true) }],
            [.. deployments.Select(d => d.Deployment)]);
        return (await RoutingTestHost.StartAsync(catalog, clients), clients);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonNode> ErrorOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonNode>(Token))!["error"]!;

    /// <summary>The data of each server-sent event, in order.</summary>
    private static List<string> Events(string body) =>
        [.. body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.StartsWith("data: ", StringComparison.Ordinal) ? e["data: ".Length..] : "?" + e)];

    [Fact]
    public async Task A_streamed_answer_is_OpenAI_chunks_then_the_usage_chunk_then_DONE()
    {
        var price = new Pricing(1_000m, 0m, 2_000m);
        var (host, _) = await StartAsync((Deployment("d1", price: price), new ScriptedChatClient([Step.Text("Hel"), Step.Text("lo"), Step.Usage(7, 2), Step.Finish()])));
        await using var _ = host;

        using var response = await host.Client.PostAsync("/v1/chat/completions", Json("""
            {"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"stream":true,"stream_options":{"include_usage":true},"unknown_field":{"x":1}}
            """), Token);
        var events = Events(await response.Content.ReadAsStringAsync(Token));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.Equal(6, events.Count);
        var chunks = events.Take(5).Select(e => JsonNode.Parse(e)!).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", (string?)c["object"]));
        Assert.All(chunks, c => Assert.Equal("chat-model", (string?)c["model"]));
        Assert.Single(chunks.Select(c => (string?)c["id"]).Distinct());
        Assert.Equal("""{"role":"assistant","content":""}""", chunks[0]["choices"]![0]!["delta"]!.ToJsonString());
        Assert.Equal("Hel", (string?)chunks[1]["choices"]![0]!["delta"]!["content"]);
        Assert.Equal("lo", (string?)chunks[2]["choices"]![0]!["delta"]!["content"]);
        Assert.Null(chunks[2]["choices"]![0]!["finish_reason"]);
        Assert.Equal("{}", chunks[3]["choices"]![0]!["delta"]!.ToJsonString());
        Assert.Equal("stop", (string?)chunks[3]["choices"]![0]!["finish_reason"]);
        Assert.Equal("[]", chunks[4]["choices"]!.ToJsonString());
        var usage = chunks[4]["usage"]!;
        Assert.Equal((7, 2, 9), ((int)usage["prompt_tokens"]!, (int)usage["completion_tokens"]!, (int)usage["total_tokens"]!));
        Assert.Equal("d1", (string?)usage["chatplatform"]!["deployment"]);
        Assert.Equal("openai", (string?)usage["chatplatform"]!["provider"]);
        Assert.False((bool)usage["chatplatform"]!["estimated"]!);
        Assert.Equal(0.011m, (decimal)usage["chatplatform"]!["cost_usd"]!);
        Assert.Equal("[DONE]", events[5]);
    }

    [Fact]
    public async Task Without_include_usage_there_is_no_usage_chunk()
    {
        var (host, _) = await StartAsync((Deployment("d1"), ScriptedChatClient.Answering("Hi")));
        await using var _ = host;

        using var response = await host.Client.PostAsync("/v1/chat/completions", Json("""
            {"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"stream":true}
            """), Token);
        var events = Events(await response.Content.ReadAsStringAsync(Token));

        Assert.Equal(4, events.Count);
        Assert.DoesNotContain(events, e => e.Contains("\"usage\"", StringComparison.Ordinal));
        Assert.Equal("[DONE]", events[^1]);
    }

    [Fact]
    public async Task Each_chunk_is_sent_as_it_comes()
    {
        var release = new TaskCompletionSource();
        var (host, _) = await StartAsync((Deployment("d1"), new ScriptedChatClient([Step.Text("first"), Step.WaitFor(release.Task), Step.Text("second"), Step.Finish()])));
        await using var _ = host;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"stream":true}"""),
        };

        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Token));
        var seen = new StringBuilder();
        while (!seen.ToString().Contains("\"first\"", StringComparison.Ordinal))
        {
            seen.AppendLine(await reader.ReadLineAsync(Token));
        }
        release.SetResult();
        var rest = await reader.ReadToEndAsync(Token);

        Assert.Contains("\"second\"", rest, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_first_token_is_sent_before_the_updates_in_hand_behind_it_are_read()
    {
        var firstSeen = new TaskCompletionSource();
        var released = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (host, _) = await StartAsync((Deployment("d1"), new ScriptedChatClient(
            [Step.Text("first"), Step.BlockUntil(firstSeen.Task, released), Step.Text("second"), Step.Finish()])));
        await using var _ = host;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"stream":true}"""),
        };

        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Token));
        while (await reader.ReadLineAsync(Token) is { } line && !line.Contains("\"first\"", StringComparison.Ordinal))
        {
        }
        firstSeen.SetResult();
        var rest = await reader.ReadToEndAsync(Token);

        // The provider held the next update until the caller had the first token: it was not kept back for the burst.
        Assert.True(await released.Task);
        Assert.Contains("\"second\"", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_streamed_answer_is_one_chat_completion_with_usage()
    {
        var (host, clients) = await StartAsync((Deployment("d1"), new ScriptedChatClient([Step.Text("Hello"), Step.Text(" there"), Step.Finish("length")])));
        await using var _ = host;

        using var response = await host.Client.PostAsync("/v1/chat/completions", Json("""
            {"model":"chat-model","messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Hi"}]}],
             "max_tokens":50,"temperature":0.5,"top_p":0.9,"stop":["END"],"user":"u1"}
            """), Token);
        var body = (await response.Content.ReadFromJsonAsync<JsonNode>(Token))!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("chat.completion", (string?)body["object"]);
        Assert.StartsWith("chatcmpl-", (string?)body["id"], StringComparison.Ordinal);
        Assert.Equal("chat-model", (string?)body["model"]);
        Assert.Equal("assistant", (string?)body["choices"]![0]!["message"]!["role"]);
        Assert.Equal("Hello there", (string?)body["choices"]![0]!["message"]!["content"]);
        Assert.Equal("length", (string?)body["choices"]![0]!["finish_reason"]);
        Assert.True((bool)body["usage"]!["chatplatform"]!["estimated"]!);
        Assert.Equal(3, (int)body["usage"]!["completion_tokens"]!);
        var options = clients.Clients["d1"].Options.Single()!;
        Assert.Equal((50, 0.5f, 0.9f, "END"), (options.MaxOutputTokens, options.Temperature, options.TopP, options.StopSequences!.Single()));
        Assert.Equal(Microsoft.Extensions.AI.ChatRole.System, clients.Clients["d1"].Messages.Single()[0].Role);
        Assert.Equal(1, clients.Clients["d1"].WholeAnswerCalls);
    }

    [Theory]
    [InlineData("{not json", null)]
    [InlineData("[]", null)]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}]}""", "model")]
    [InlineData("""{"model":42,"messages":[{"role":"user","content":"Hi"}]}""", "model")]
    [InlineData("""{"model":"chat-model","messages":[]}""", "messages")]
    [InlineData("""{"model":"chat-model","messages":"Hi"}""", "messages")]
    [InlineData("""{"model":"chat-model","messages":[{"role":"wizard","content":"Hi"}]}""", "messages[0].role")]
    [InlineData("""{"model":"chat-model","messages":[{"role":"user"}]}""", "messages[0].content")]
    [InlineData("""{"model":"chat-model","messages":[{"role":"user","content":[{"type":"audio"}]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"model":"chat-model","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x"}}]}]}""", "messages[0].content[0].image_url.url")]
    [InlineData("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"stream":"yes"}""", "stream")]
    [InlineData("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"temperature":"hot"}""", "temperature")]
    [InlineData("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"max_tokens":-1}""", "max_tokens")]
    [InlineData("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"reasoning_effort":"extreme"}""", "reasoning_effort")]
    [InlineData("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"logprobs":true}""", "logprobs")]
    [InlineData("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"top_logprobs":3}""", "top_logprobs")]
    [InlineData("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"logit_bias":{"50256":-100}}""", "logit_bias")]
    [InlineData("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"modalities":["text","audio"]}""", "modalities")]
    [InlineData("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"audio":{"voice":"alloy","format":"mp3"}}""", "audio")]
    // Valid JSON, not valid text: read as a string it threw InvalidOperationException, a 500.
    [InlineData("""{"model":"chat-model","messages":[{"role":"user","content":"\ud800"}]}""", null)]
    [InlineData("""{"model":"\udfff","messages":[{"role":"user","content":"Hi"}]}""", null)]
    public async Task An_invalid_request_is_a_400_in_OpenAIs_shape_that_reaches_no_provider(string body, string? param)
    {
        var (host, clients) = await StartAsync((Deployment("d1"), ScriptedChatClient.Answering("never")));
        await using var _ = host;

        using var response = await host.Client.PostAsync("/v1/chat/completions", Json(body), Token);
        var error = await ErrorOf(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Equal(param, (string?)error["param"]);
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));
        Assert.Equal(0, clients.Clients["d1"].CallCount);
    }

    [Fact]
    public async Task An_unknown_model_is_a_404_model_not_found()
    {
        var (host, _) = await StartAsync((Deployment("d1"), ScriptedChatClient.Answering("never")));
        await using var _ = host;

        using var response = await host.Client.PostAsync("/v1/chat/completions", Json("""{"model":"gpt-9","messages":[{"role":"user","content":"Hi"}]}"""), Token);
        var error = await ErrorOf(response);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("model_not_found", (string?)error["code"]);
        Assert.Equal("model", (string?)error["param"]);
    }

    [Fact]
    public async Task An_image_for_a_model_without_vision_is_a_400()
    {
        var (host, clients) = await StartAsync((Deployment("d1"), ScriptedChatClient.Answering("never")));
        await using var _ = host;

        using var response = await host.Client.PostAsync("/v1/chat/completions", Json("""
            {"model":"chat-model","messages":[{"role":"user","content":[{"type":"text","text":"What is it?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}
            """), Token);
        var error = await ErrorOf(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("does not accept images", (string?)error["message"], StringComparison.Ordinal);
        Assert.Equal(0, clients.Clients["d1"].CallCount);
    }

    [Fact]
    public async Task A_provider_400_is_a_400_with_the_providers_message()
    {
        var (host, _) = await StartAsync(
            (Deployment("d1"), new ScriptedChatClient([Step.Fail(new ProviderException("This model's maximum context length is 8192 tokens.", 400, isTransient: false))])),
            (Deployment("d2", priority: 2), ScriptedChatClient.Answering("never")));
        await using var _ = host;

        using var response = await host.Client.PostAsync("/v1/chat/completions", Json("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"stream":true}"""), Token);
        var error = await ErrorOf(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("This model's maximum context length is 8192 tokens.", (string?)error["message"]);
    }

    [Fact]
    public async Task Every_deployment_failing_is_a_503_with_each_ones_reason()
    {
        var (host, _) = await StartAsync(
            (Deployment("d1"), new ScriptedChatClient([Step.Transient(500)])),
            (Deployment("d2", priority: 2), new ScriptedChatClient([Step.Transient(429, TimeSpan.FromSeconds(30))])));
        await using var _ = host;

        using var response = await host.Client.PostAsync("/v1/chat/completions", Json("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"stream":true}"""), Token);
        var error = await ErrorOf(response);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("all_deployments_failed", (string?)error["code"]);
        var failures = error["chatplatform_failures"]!.AsArray();
        Assert.Equal(["d1", "d2"], failures.Select(f => (string?)f!["deployment"]));
        Assert.StartsWith("429", (string?)failures[1]!["reason"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failure_after_streaming_began_is_an_error_event_and_no_DONE()
    {
        var (host, _) = await StartAsync((Deployment("d1"), new ScriptedChatClient([Step.Text("Partial"), Step.Transient(502)])));
        await using var _ = host;

        using var response = await host.Client.PostAsync("/v1/chat/completions", Json("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"stream":true}"""), Token);
        var events = Events(await response.Content.ReadAsStringAsync(Token));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Partial", (string?)JsonNode.Parse(events[1])!["choices"]![0]!["delta"]!["content"]);
        var error = JsonNode.Parse(events[^1])!["error"]!;
        Assert.Equal("stream_interrupted", (string?)error["code"]);
        Assert.DoesNotContain("[DONE]", events);
    }

    [Fact]
    public async Task A_caller_that_disconnects_mid_stream_cancels_the_provider_call()
    {
        var provider = new ScriptedChatClient([Step.Text("first"), Step.Hang]);
        var (host, _) = await StartAsync((Deployment("d1"), provider));
        await using var _ = host;
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"stream":true}"""),
        };

        var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, caller.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(caller.Token));
        while ((await reader.ReadLineAsync(caller.Token))?.Contains("\"first\"", StringComparison.Ordinal) != true)
        {
        }
        response.Dispose();
        await caller.CancelAsync();

        await provider.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
    }

    [Fact]
    public async Task A_non_streamed_answer_that_fails_midway_everywhere_is_a_503_in_OpenAIs_shape_with_each_reason()
    {
        var (host, clients) = await StartAsync((Deployment("d1"), new ScriptedChatClient([Step.Text("Partial"), Step.Transient(500)])));
        await using var _ = host;

        using var response = await host.Client.PostAsync("/v1/chat/completions", Json("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}]}"""), Token);
        var error = await ErrorOf(response);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("all_deployments_failed", (string?)error["code"]);
        Assert.Contains("d1: 500", (string?)error["message"], StringComparison.Ordinal);
        Assert.Equal(1, clients.Clients["d1"].WholeAnswerCalls);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_413()
    {
        var (host, clients) = await StartAsync((Deployment("d1"), ScriptedChatClient.Answering("never")));
        await using var _ = host;
        var huge = new string('a', 17 * 1024 * 1024);

        using var response = await host.Client.PostAsync("/v1/chat/completions", Json($$"""{"model":"chat-model","messages":[{"role":"user","content":"{{huge}}"}]}"""), Token);
        var error = await ErrorOf(response);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", (string?)error["code"]);
        Assert.Equal(0, clients.Clients["d1"].CallCount);
    }

    [Fact]
    public async Task The_official_OpenAI_client_streams_through_the_router()
    {
        var (host, _) = await StartAsync((Deployment("d1"), new ScriptedChatClient([Step.Text("Hello"), Step.Text(", world"), Step.Usage(5, 3), Step.Finish()])));
        await using var _ = host;

        var (text, finish, usage) = await StreamWithOpenAIClientAsync(host, "chat-model");

        Assert.Equal("Hello, world", text);
        Assert.Equal(global::OpenAI.Chat.ChatFinishReason.Stop, finish);
        Assert.Equal((5, 3), (usage?.InputTokenCount, usage?.OutputTokenCount));
    }

    [Fact]
    public async Task Reasoning_effort_reaches_an_OpenAI_provider_in_the_callers_word_and_empty_logprob_settings_are_accepted()
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        var catalog = new InMemoryCatalog([ChatModel()], [provider.Deployment(modelId: "chat-model")]);
        await using var host = await RoutingTestHost.StartAsync(catalog, clients: null, new Dictionary<string, string?> { [provider.ApiKeySetting] = FakeProviderServer.ApiKey });

        using var response = await host.Client.PostAsync("/v1/chat/completions", Json("""
            {"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"reasoning_effort":"minimal","logprobs":false,"top_logprobs":0,"logit_bias":{},"modalities":["text"]}
            """), Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("minimal", (string?)Assert.Single(provider.Requests).Body["reasoning_effort"]);
    }

    [Fact]
    public async Task Reasoning_effort_reaches_an_Anthropic_provider_as_extended_thinking()
    {
        await using var provider = await FakeAnthropicServer.StartAsync(Token);
        var catalog = new InMemoryCatalog([ChatModel()], [provider.Deployment(modelId: "chat-model")]);
        await using var host = await RoutingTestHost.StartAsync(catalog, clients: null, new Dictionary<string, string?> { [provider.ApiKeySetting] = FakeProviderServer.ApiKey });

        using var response = await host.Client.PostAsync("/v1/chat/completions", Json("""
            {"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"reasoning_effort":"high","max_tokens":20000}
            """), Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var thinking = Assert.Single(provider.Requests).Body["thinking"];
        Assert.NotNull(thinking);
        Assert.NotEqual("disabled", (string?)thinking["type"]);
    }

    [Fact]
    public async Task The_official_OpenAI_client_streams_through_the_router_from_a_fake_OpenAI_provider()
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        provider.Behavior = FakeBehavior.Answer("Hi", " from", " the", " fake");
        var catalog = new InMemoryCatalog([ChatModel()], [provider.Deployment(modelId: "chat-model")]);
        await using var host = await RoutingTestHost.StartAsync(catalog, clients: null, new Dictionary<string, string?> { [provider.ApiKeySetting] = FakeProviderServer.ApiKey });

        var (text, finish, usage) = await StreamWithOpenAIClientAsync(host, "chat-model");

        Assert.Equal("Hi from the fake", text);
        Assert.Equal(global::OpenAI.Chat.ChatFinishReason.Stop, finish);
        Assert.Equal(provider.Behavior.InputTokens, usage?.InputTokenCount);
        Assert.Equal(1, provider.CallCount);
    }

    [Fact]
    public async Task The_official_OpenAI_client_fails_over_from_a_failing_fake_provider_to_the_simulator()
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        provider.Behavior = FakeBehavior.Failing(FakeFailure.ServerError);
        var simulator = new DeploymentDefinition(
            "sim", "chat-model", ProviderKind.Simulator, "simulator", null, null, Priority: 2, Weight: 1, Pricing.Free,
            Simulator: new SimulatorSettings(TimeToFirstTokenMs: 5, TokensPerSecond: 2_000, AnswerTokens: 8));
        var catalog = new InMemoryCatalog([ChatModel()], [provider.Deployment(modelId: "chat-model") with { Priority = 1 }, simulator]);
        await using var host = await RoutingTestHost.StartAsync(catalog, clients: null, new Dictionary<string, string?> { [provider.ApiKeySetting] = FakeProviderServer.ApiKey });

        var (text, finish, usage) = await StreamWithOpenAIClientAsync(host, "chat-model");

        Assert.StartsWith("[simulated]", text, StringComparison.Ordinal);
        Assert.Equal(global::OpenAI.Chat.ChatFinishReason.Stop, finish);
        Assert.Equal(8, usage?.OutputTokenCount);
        Assert.True(provider.CallCount >= 1);
    }

    [Fact]
    public async Task The_official_OpenAI_client_streams_an_answer_from_a_fake_Anthropic_provider_through_the_router()
    {
        await using var provider = await FakeAnthropicServer.StartAsync(Token);
        provider.Behavior = FakeBehavior.Answer("Bonjour", " from", " Claude") with { InputTokens = 13, OutputTokens = 3 };
        var catalog = new InMemoryCatalog([ChatModel()], [provider.Deployment(modelId: "chat-model")]);
        await using var host = await RoutingTestHost.StartAsync(catalog, clients: null, new Dictionary<string, string?> { [provider.ApiKeySetting] = FakeProviderServer.ApiKey });

        var (text, finish, usage) = await StreamWithOpenAIClientAsync(host, "chat-model");

        Assert.Equal("Bonjour from Claude", text);
        Assert.Equal(global::OpenAI.Chat.ChatFinishReason.Stop, finish);
        Assert.Equal((13, 3), (usage?.InputTokenCount, usage?.OutputTokenCount));
    }

    [Fact]
    public async Task A_fake_providers_429_fails_over_and_skips_it_until_its_Retry_After()
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        provider.Behavior = FakeBehavior.Failing(FakeFailure.RateLimited) with { RetryAfterSeconds = 60 };
        var catalog = new InMemoryCatalog([ChatModel()], [provider.Deployment(modelId: "chat-model") with { Priority = 1 }, SimulatorDeployment()]);
        await using var host = await RoutingTestHost.StartAsync(catalog, clients: null, new Dictionary<string, string?> { [provider.ApiKeySetting] = FakeProviderServer.ApiKey });

        var (first, _, _) = await StreamWithOpenAIClientAsync(host, "chat-model");
        var (second, _, _) = await StreamWithOpenAIClientAsync(host, "chat-model");

        Assert.StartsWith("[simulated]", first, StringComparison.Ordinal);
        Assert.StartsWith("[simulated]", second, StringComparison.Ordinal);
        Assert.Equal(1, provider.CallCount);
    }

    [Fact]
    public async Task A_fake_providers_400_reaches_the_caller_with_its_message()
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        provider.Behavior = FakeBehavior.Failing(FakeFailure.BadRequest) with { ErrorMessage = "Invalid 'messages': too long." };
        var catalog = new InMemoryCatalog([ChatModel()], [provider.Deployment(modelId: "chat-model") with { Priority = 1 }, SimulatorDeployment()]);
        await using var host = await RoutingTestHost.StartAsync(catalog, clients: null, new Dictionary<string, string?> { [provider.ApiKeySetting] = FakeProviderServer.ApiKey });

        using var response = await host.Client.PostAsync("/v1/chat/completions", Json("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"stream":true}"""), Token);
        var error = await ErrorOf(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Invalid 'messages': too long.", (string?)error["message"], StringComparison.Ordinal);
        Assert.Equal(1, provider.CallCount);
    }

    [Fact]
    public async Task A_fake_provider_that_drops_the_connection_mid_stream_ends_the_answer_with_an_error_event()
    {
        await using var provider = await FakeOpenAIServer.StartAsync(Token);
        provider.Behavior = FakeBehavior.Failing(FakeFailure.ResetMidStream) with { Tokens = ["one", " two", " three", " four"], FailAfterChunks = 2 };
        var catalog = new InMemoryCatalog([ChatModel()], [provider.Deployment(modelId: "chat-model") with { Priority = 1 }, SimulatorDeployment()]);
        await using var host = await RoutingTestHost.StartAsync(catalog, clients: null, new Dictionary<string, string?> { [provider.ApiKeySetting] = FakeProviderServer.ApiKey });

        using var response = await host.Client.PostAsync("/v1/chat/completions", Json("""{"model":"chat-model","messages":[{"role":"user","content":"Hi"}],"stream":true}"""), Token);
        var events = Events(await response.Content.ReadAsStringAsync(Token));

        var text = string.Concat(events.Where(e => e.Contains("\"delta\"", StringComparison.Ordinal))
            .Select(e => (string?)JsonNode.Parse(e)!["choices"]![0]!["delta"]!["content"]));
        Assert.Equal("one two", text);
        Assert.Equal("stream_interrupted", (string?)JsonNode.Parse(events[^1])!["error"]!["code"]);
        Assert.DoesNotContain("[DONE]", events);
    }

    private static DeploymentDefinition SimulatorDeployment() => new(
        "sim", "chat-model", ProviderKind.Simulator, "simulator", null, null, Priority: 2, Weight: 1, Pricing.Free,
        Simulator: new SimulatorSettings(TimeToFirstTokenMs: 5, TokensPerSecond: 2_000, AnswerTokens: 8));

    private static async Task<(string Text, global::OpenAI.Chat.ChatFinishReason? Finish, ChatTokenUsage? Usage)> StreamWithOpenAIClientAsync(RoutingTestHost host, string model)
    {
        var client = host.OpenAIClient(model);
        var text = new StringBuilder();
        global::OpenAI.Chat.ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Say hello")], new ChatCompletionOptions(), Token))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
            finish = update.FinishReason ?? finish;
            usage = update.Usage ?? usage;
        }
        return (text.ToString(), finish, usage);
    }
}
