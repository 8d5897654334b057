using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Gateway.Tests.Fakes;
using ChatPlatform.Testing;
using Npgsql;
using OpenAI;
using OpenAI.Chat;

namespace ChatPlatform.Gateway.Tests.Apis;

public sealed class ChatCompletionsApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_OpenAI_client_completes_through_the_gateway_and_the_real_router_with_an_api_key_and_the_usage_is_recorded()
    {
        await using var router = await ModelRouterHost.StartAsync(postgres, redis);
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));
        var (userId, key) = await CreateApiKeyAsync(host);

        ChatCompletion completion = await OpenAIChat(host, key, "sim-fast").CompleteChatAsync([new UserChatMessage("Say hello")], cancellationToken: Cancellation);

        Assert.False(string.IsNullOrWhiteSpace(completion.Content.Single().Text));
        Assert.True(completion.Usage.InputTokenCount > 0 && completion.Usage.OutputTokenCount > 0);
        var recorded = Assert.Single(await UsageEventsAsync(host));
        AssertRecordedFromRouter(recorded, userId, key.Id, completion.Usage);
    }

    [Fact]
    public async Task The_OpenAI_client_streams_through_the_gateway_and_the_real_router_and_the_usage_is_recorded()
    {
        await using var router = await ModelRouterHost.StartAsync(postgres, redis);
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));
        var (userId, key) = await CreateApiKeyAsync(host);

        var text = new StringBuilder();
        var updates = 0;
        ChatTokenUsage? usage = null;
        await foreach (var update in OpenAIChat(host, key, "sim-fast").CompleteChatStreamingAsync([new UserChatMessage("Say hello")], cancellationToken: Cancellation))
        {
            updates++;
            usage ??= update.Usage;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.False(string.IsNullOrWhiteSpace(text.ToString()));
        Assert.True(updates > 2);
        var recorded = Assert.Single(await UsageEventsAsync(host));
        // The OpenAI client asks for the usage chunk itself, so it sees the numbers the gateway recorded.
        Assert.NotNull(usage);
        AssertRecordedFromRouter(recorded, userId, key.Id, usage);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stream_always_asks_the_router_for_usage_but_shows_the_usage_chunk_only_to_clients_that_asked(bool clientAsks)
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));
        var userId = Guid.NewGuid();
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(userId));
        object request = clientAsks
            ? new { model = FakeModelRouter.Model, stream = true, stream_options = new { include_usage = true }, messages = new[] { new { role = "user", content = "hi" } } }
            : new { model = FakeModelRouter.Model, stream = true, messages = new[] { new { role = "user", content = "hi" } } };

        var response = await client.PostAsJsonAsync("/v1/chat/completions", request, Cancellation);
        var events = new List<string>();
        await foreach (var e in SseParser.Create(await response.Content.ReadAsStreamAsync(Cancellation)).EnumerateAsync(Cancellation))
        {
            events.Add(e.Data);
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((bool)Assert.Single(router.Completions).Body["stream_options"]!["include_usage"]!);
        var usageChunks = events.Where(data => data.Contains("\"usage\"", StringComparison.Ordinal)).ToList();
        Assert.Equal(clientAsks ? 1 : 0, usageChunks.Count);
        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal(clientAsks ? 6 : 5, events.Count);
        // Either way the gateway read the usage and recorded it (a JWT caller: no API key id).
        var recorded = Assert.Single(await UsageEventsAsync(host));
        AssertRecorded(recorded, userId, apiKeyId: null);
    }

    [Fact]
    public async Task A_client_that_leaves_mid_stream_is_recorded_stopped_with_what_it_was_sent()
    {
        await using var router = await FakeModelRouter.StartAsync();
        router.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));
        var userId = Guid.NewGuid();
        using (var client = new HttpClient { BaseAddress = host.BaseAddress })
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(userId));
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = FakeModelRouter.Model, stream = true, messages = new[] { new { role = "user", content = "Say hello to me" } } }),
            };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Cancellation);
            await using var body = await response.Content.ReadAsStreamAsync(Cancellation);
            await using var events = SseParser.Create(body).EnumerateAsync(Cancellation).GetAsyncEnumerator(Cancellation);
            Assert.True(await events.MoveNextAsync());
            Assert.True(await events.MoveNextAsync());
            Assert.Contains("Hello", events.Current.Data, StringComparison.Ordinal);
            await router.Holding.Task.WaitAsync(Cancellation);
        }
        await router.StreamAborted.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancellation);

        var recorded = await SingleUsageEventAsync(host);

        Assert.Equal(userId, recorded.GetProperty("userId").GetGuid());
        Assert.Equal(UsageRecorded.Stopped, recorded.GetProperty("status").GetString());
        Assert.Equal(FakeModelRouter.Model, recorded.GetProperty("model").GetString());
        // "Say hello to me" and "Hello", about 4 characters a token; unpriced here, priced by billing from the model.
        Assert.Equal((4L, 2L), (recorded.GetProperty("inputTokens").GetInt64(), recorded.GetProperty("outputTokens").GetInt64()));
        Assert.Equal(("unknown", "unknown", true, 0m), (recorded.GetProperty("deployment").GetString(), recorded.GetProperty("provider").GetString(),
            recorded.GetProperty("estimated").GetBoolean(), recorded.GetProperty("costUsd").GetDecimal()));
    }

    [Fact]
    public async Task A_stream_whose_provider_fails_mid_answer_is_recorded_failed()
    {
        await using var router = await FakeModelRouter.StartAsync();
        router.FailMidStream = true;
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));
        var userId = Guid.NewGuid();
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(userId));

        var response = await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = FakeModelRouter.Model, stream = true, messages = new[] { new { role = "user", content = "Say hello to me" } } }, Cancellation);
        var text = await response.Content.ReadAsStringAsync(Cancellation);

        Assert.Contains("provider_error", text, StringComparison.Ordinal);
        var recorded = Assert.Single(await UsageEventsAsync(host));
        Assert.Equal(UsageRecorded.Failed, recorded.GetProperty("status").GetString());
        Assert.Equal((4L, 2L, true), (recorded.GetProperty("inputTokens").GetInt64(), recorded.GetProperty("outputTokens").GetInt64(),
            recorded.GetProperty("estimated").GetBoolean()));
    }

    [Fact]
    public async Task Router_errors_reach_the_OpenAI_client_in_OpenAI_shape_and_record_nothing()
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));
        var (_, key) = await CreateApiKeyAsync(host);
        var chat = OpenAIChat(host, key, "no-such-model");

        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Cancellation));

        Assert.Equal(404, error.Status);
        Assert.Contains("no-such-model", error.Message);
        Assert.Empty(await UsageEventsAsync(host));
    }

    [Fact]
    public async Task Chat_completions_count_against_the_turn_limit()
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address, more: new Dictionary<string, string?>
        {
            ["RateLimits:Tiers:free:TurnsPerMinute"] = "1",
        }));
        var client = host.CreateClient(TestTokens.Mint(Guid.NewGuid()));
        var request = new { model = FakeModelRouter.Model, messages = new[] { new { role = "user", content = "hi" } } };

        var first = await client.PostAsJsonAsync("/v1/chat/completions", request, Cancellation);
        var second = await client.PostAsJsonAsync("/v1/chat/completions", request, Cancellation);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.NotNull(second.Headers.RetryAfter);
        Assert.Single(router.Completions);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1, 2]")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"model":12}""")]
    [InlineData("""{"stream":true,"stream":false}""")]
    public async Task A_malformed_body_answers_400_in_OpenAIs_error_shape_and_reaches_no_router(string body)
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));

        var response = await host.CreateClient(TestTokens.Mint(Guid.NewGuid()))
            .PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"), Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertOpenAIErrorAsync(response, "invalid_request_error");
        Assert.Empty(router.Completions);
    }

    [Fact]
    public async Task An_unreachable_router_answers_502_in_OpenAIs_error_shape()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(modelRouter: $"http://127.0.0.1:{ForwardingApiTests.ClosedPort()}"));

        var response = await host.CreateClient(TestTokens.Mint(Guid.NewGuid()))
            .PostAsJsonAsync("/v1/chat/completions", new { model = FakeModelRouter.Model, messages = new[] { new { role = "user", content = "hi" } } }, Cancellation);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("model router", await AssertOpenAIErrorAsync(response, "server_error"));
    }

    [Fact]
    public async Task The_OpenAI_client_shows_the_gateways_401_and_429_messages()
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address, more: new Dictionary<string, string?>
        {
            ["RateLimits:Tiers:free:TurnsPerMinute"] = "1",
        }));
        var (_, key) = await CreateApiKeyAsync(host);
        var chat = OpenAIChat(host, key, FakeModelRouter.Model);
        var unknownKey = OpenAIChat(host, key with { Key = "cp_" + new string('A', 43) }, FakeModelRouter.Model);
        await chat.CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Cancellation);

        var unauthorized = await Assert.ThrowsAsync<ClientResultException>(() => unknownKey.CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Cancellation));
        var limited = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Cancellation));

        Assert.Equal(401, unauthorized.Status);
        Assert.Contains("A valid API key or access token is required", unauthorized.Message);
        Assert.Contains("invalid_api_key", unauthorized.Message);
        Assert.Equal(429, limited.Status);
        Assert.Contains("rate_limit_exceeded", limited.Message);
        Assert.Contains("Retry after", limited.Message);
    }

    public static TheoryData<string, string, string?, int> OpenAIRouteRejections => new()
    {
        { "POST", "/v1/chat/completions", null, 401 },
        { "GET", "/v1/models", null, 401 },
        { "GET", "/v1/models/sim-fast", null, 401 },
        { "DELETE", "/v1/models", "token", 405 },
        { "POST", "/v1/chat/completions", "huge", 413 },
        { "GET", "/v1/models", "unknown-key", 401 },
    };

    [Theory]
    [MemberData(nameof(OpenAIRouteRejections))]
    public async Task Rejections_on_the_OpenAI_routes_answer_in_OpenAIs_error_shape(string method, string path, string? credential, int status)
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));
        var client = credential is null ? host.CreateClient() : host.CreateClient(credential is "unknown-key" ? "cp_" + new string('B', 43) : TestTokens.Mint(Guid.NewGuid()));
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (credential == "huge")
        {
            request.Content = new ByteArrayContent(new byte[Gateway.Apis.ChatCompletionsApi.BodyLimit + 1]) { Headers = { ContentType = new("application/json") } };
        }

        var response = await client.SendAsync(request, Cancellation);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(await AssertOpenAIErrorAsync(response, status == 401 ? "invalid_request_error" : null)));
        Assert.Empty(router.Completions);
    }

    /// <summary>Asserts OpenAI's <c>{"error":{"message","type","param","code"}}</c> and returns the message.</summary>
    private static async Task<string> AssertOpenAIErrorAsync(HttpResponseMessage response, string? type)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancellation)).RootElement.GetProperty("error");
        Assert.True(error.TryGetProperty("param", out _) && error.TryGetProperty("code", out _));
        if (type is not null)
        {
            Assert.Equal(type, error.GetProperty("type").GetString());
        }
        return error.GetProperty("message").GetString()!;
    }

    // No retries: a 429's Retry-After would otherwise hold the test for the window.
    [Fact]
    public async Task The_OpenAI_embeddings_client_embeds_through_the_gateway_and_the_real_router_with_an_api_key_and_the_usage_is_recorded()
    {
        await using var router = await ModelRouterHost.StartAsync(postgres, redis);
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));
        var (userId, key) = await CreateApiKeyAsync(host);
        var client = new OpenAI.Embeddings.EmbeddingClient(
            "sim-embed", new ApiKeyCredential(key.Key), new OpenAIClientOptions { Endpoint = new Uri(host.BaseAddress!, "v1"), RetryPolicy = new ClientRetryPolicy(0) });

        // The SDK asks for base64 and decodes it: both ends of the router's encoding are exercised.
        OpenAI.Embeddings.OpenAIEmbeddingCollection embeddings = await client.GenerateEmbeddingsAsync(["the quarterly report", "the quarterly report"], cancellationToken: Cancellation);

        Assert.Equal(2, embeddings.Count);
        Assert.Equal(384, embeddings[0].ToFloats().Length);
        Assert.Equal(embeddings[0].ToFloats().ToArray(), embeddings[1].ToFloats().ToArray());
        var recorded = Assert.Single(await UsageEventsAsync(host));
        Assert.Equal(userId, recorded.GetProperty("userId").GetGuid());
        Assert.Equal(key.Id, recorded.GetProperty("apiKeyId").GetGuid());
        Assert.Equal(("sim-embed", "sim-embed-1"), (recorded.GetProperty("model").GetString(), recorded.GetProperty("deployment").GetString()));
        Assert.Equal(embeddings.Usage.InputTokenCount, recorded.GetProperty("inputTokens").GetInt64());
        Assert.Equal(0, recorded.GetProperty("outputTokens").GetInt64());
    }

    [Fact]
    public async Task Embeddings_without_credentials_or_with_bad_input_are_refused_in_OpenAIs_shape_and_record_nothing()
    {
        await using var router = await ModelRouterHost.StartAsync(postgres, redis);
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));
        var (_, key) = await CreateApiKeyAsync(host);
        using var anonymous = new HttpClient { BaseAddress = host.BaseAddress };
        using var withKey = new HttpClient { BaseAddress = host.BaseAddress };
        withKey.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Key);

        var unauthenticated = await anonymous.PostAsJsonAsync("/v1/embeddings", new { model = "sim-embed", input = "a" }, Cancellation);
        var empty = await withKey.PostAsJsonAsync("/v1/embeddings", new { model = "sim-embed", input = Array.Empty<string>() }, Cancellation);

        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal(JsonValueKind.String, (await unauthenticated.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("error").GetProperty("message").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("input", (await empty.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("error").GetProperty("param").GetString());
        Assert.Empty(await UsageEventsAsync(host));
    }

    private static ChatClient OpenAIChat(GatewayHost host, CreatedApiKey key, string model) =>
        new(model, new ApiKeyCredential(key.Key), new OpenAIClientOptions { Endpoint = new Uri(host.BaseAddress!, "v1"), RetryPolicy = new ClientRetryPolicy(0) });

    private static void AssertRecordedFromRouter(JsonElement payload, Guid userId, Guid apiKeyId, ChatTokenUsage usage)
    {
        Assert.Equal(userId, payload.GetProperty("userId").GetGuid());
        Assert.Equal("api", payload.GetProperty("source").GetString());
        Assert.Equal(apiKeyId, payload.GetProperty("apiKeyId").GetGuid());
        Assert.Equal(UsageRecorded.Complete, payload.GetProperty("status").GetString());
        Assert.Equal("sim-fast", payload.GetProperty("model").GetString());
        Assert.Equal("sim-fast-1", payload.GetProperty("deployment").GetString());
        Assert.False(string.IsNullOrEmpty(payload.GetProperty("provider").GetString()));
        Assert.Equal(usage.InputTokenCount, payload.GetProperty("inputTokens").GetInt64());
        Assert.Equal(usage.OutputTokenCount, payload.GetProperty("outputTokens").GetInt64());
        Assert.Equal(usage.InputTokenDetails?.CachedTokenCount ?? 0, payload.GetProperty("cachedInputTokens").GetInt64());
        Assert.True(payload.GetProperty("durationMs").GetInt64() >= payload.GetProperty("timeToFirstTokenMs").GetInt64());
    }

    private static async Task<(Guid UserId, CreatedApiKey Key)> CreateApiKeyAsync(GatewayHost host)
    {
        var tokens = await host.RegisterAsync();
        var response = await host.CreateClient(tokens.AccessToken).PostAsJsonAsync("/v1/api-keys", new { name = "sdk" }, Cancellation);
        response.EnsureSuccessStatusCode();
        return (tokens.User.Id, (await response.Content.ReadFromJsonAsync<CreatedApiKey>(Cancellation))!);
    }

    private static void AssertRecorded(JsonElement payload, Guid userId, Guid? apiKeyId)
    {
        Assert.Equal(userId, payload.GetProperty("userId").GetGuid());
        Assert.Equal("api", payload.GetProperty("source").GetString());
        Assert.Equal(UsageRecorded.Complete, payload.GetProperty("status").GetString());
        if (apiKeyId is { } id)
        {
            Assert.Equal(id, payload.GetProperty("apiKeyId").GetGuid());
        }
        else
        {
            Assert.False(payload.TryGetProperty("apiKeyId", out _));
        }
        Assert.Equal(FakeModelRouter.Model, payload.GetProperty("model").GetString());
        Assert.Equal(FakeModelRouter.Deployment, payload.GetProperty("deployment").GetString());
        Assert.Equal(FakeModelRouter.Provider, payload.GetProperty("provider").GetString());
        Assert.Equal(FakeModelRouter.PromptTokens, payload.GetProperty("inputTokens").GetInt64());
        Assert.Equal(FakeModelRouter.CachedTokens, payload.GetProperty("cachedInputTokens").GetInt64());
        Assert.Equal(FakeModelRouter.CompletionTokens, payload.GetProperty("outputTokens").GetInt64());
        Assert.False(payload.GetProperty("estimated").GetBoolean());
        Assert.Equal(FakeModelRouter.CostUsd, payload.GetProperty("costUsd").GetDecimal());
        Assert.Equal(FakeModelRouter.TimeToFirstTokenMs, payload.GetProperty("timeToFirstTokenMs").GetInt64());
        Assert.True(payload.GetProperty("durationMs").GetInt64() >= 0);
        Assert.True(DateTimeOffset.UtcNow - payload.GetProperty("occurredAt").GetDateTimeOffset() < TimeSpan.FromMinutes(1));
    }

    [Theory]
    [InlineData("""{"model":"\udfff\ud800","messages":[{"role":"user","content":"hi"}],"max_tokens":16}""")]
    [InlineData("""{"model":"a\xED\xA0\x80b","messages":[{"role":"user","content":"hi"}],"stream":true,"max_tokens":16}""")]
    [InlineData("""{"model":"sim-fast","messages":[{"role":"user","content":"lone \ud800 surrogate"}],"max_tokens":16}""")]
    public async Task A_completion_whose_text_is_not_valid_unicode_is_not_a_500(string body)
    {
        await using var router = await ModelRouterHost.StartAsync(postgres, redis);
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(Guid.NewGuid()));
        // \xED\xA0\x80 stands for those raw bytes: an encoded surrogate, which is invalid UTF-8.
        var bytes = Encoding.Latin1.GetBytes(body.Replace("\\xED\\xA0\\x80", "\u00ED\u00A0\u0080", StringComparison.Ordinal));

        using var response = await client.PostAsync("/v1/chat/completions", new ByteArrayContent(bytes) { Headers = { ContentType = new("application/json") } }, Cancellation);

        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Cancellation)}");
    }

    [Fact]
    public async Task A_completion_over_quota_is_refused_in_OpenAIs_shape_before_the_router_is_asked()
    {
        await using var router = await ModelRouterHost.StartAsync(postgres, redis);
        // Less than the worst case of any request (the model's maximum output alone is more).
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address,
            more: new Dictionary<string, string?> { ["Quotas:Tiers:free:Daily:Tokens"] = "10" }));
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(Guid.NewGuid()));

        using var response = await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = "sim-fast", messages = new[] { new { role = "user", content = "hi" } } }, Cancellation);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("error");
        Assert.Equal("insufficient_quota", error.GetProperty("type").GetString());
        Assert.Equal("quota_exceeded", error.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        Assert.Contains("daily token quota of 10 tokens", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(await UsageEventsAsync(host));
    }

    [Fact]
    public async Task A_completion_within_quota_records_its_reservation_in_the_usage_event()
    {
        await using var router = await ModelRouterHost.StartAsync(postgres, redis);
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(Guid.NewGuid()));

        using var response = await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = "sim-fast", max_tokens = 50, messages = new[] { new { role = "user", content = "hi" } } }, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var recorded = Assert.Single(await UsageEventsAsync(host));
        Assert.Equal(32, recorded.GetProperty("reservationId").GetString()!.Length);
    }

    [Fact]
    public async Task Embeddings_over_quota_are_refused_in_OpenAIs_shape_before_the_router_is_asked()
    {
        await using var router = await ModelRouterHost.StartAsync(postgres, redis);
        // Fewer tokens than the request's input (four bytes a token): embeddings have no output to make room for.
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address,
            more: new Dictionary<string, string?> { ["Quotas:Tiers:free:Daily:Tokens"] = "10" }));
        var userId = Guid.NewGuid();
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(userId));

        using var response = await client.PostAsync("/v1/embeddings",
            new StringContent("""{"model":"sim-embed","input":"the quarterly report of the northern region"}""", Encoding.UTF8, "application/json"), Cancellation);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("error");
        Assert.Equal("insufficient_quota", error.GetProperty("type").GetString());
        Assert.Equal("quota_exceeded", error.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        Assert.Contains("daily token quota of 10 tokens", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(await UsageEventsAsync(host));
        Assert.Equal(0, await HeldTokensAsync(userId));
    }

    [Fact]
    public async Task Embeddings_within_quota_hold_their_input_and_carry_the_reservation_to_the_usage_event()
    {
        await using var router = await ModelRouterHost.StartAsync(postgres, redis);
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address,
            more: new Dictionary<string, string?> { ["Quotas:Tiers:free:Daily:Tokens"] = "1000" }));
        var userId = Guid.NewGuid();
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(userId));
        // Compact and ASCII: the gateway sends the router these very bytes.
        const string Body = """{"model":"sim-embed","input":"the quarterly report of the northern region"}""";

        using var response = await client.PostAsync("/v1/embeddings", new StringContent(Body, Encoding.UTF8, "application/json"), Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var recorded = Assert.Single(await UsageEventsAsync(host));
        Assert.Equal("sim-embed", recorded.GetProperty("model").GetString());
        Assert.Equal(0, recorded.GetProperty("outputTokens").GetInt64());
        var reservationId = recorded.GetProperty("reservationId").GetString()!;
        Assert.Equal(32, reservationId.Length);
        // Billing settles it from that event; until then the hold is the request's input, four bytes a token.
        Assert.Equal((Body.Length + 3) / 4, await HeldTokensAsync(userId));
        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        Assert.True(await connection.GetDatabase().KeyExistsAsync($"quota:{{{userId:N}}}:res:{reservationId}"));
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"model":"sim-fast","messages":[]}""")]
    [InlineData("/v1/embeddings", """{"model":"sim-embed","input":[]}""")]
    public async Task A_request_the_router_refuses_after_the_check_frees_its_hold(string path, string body)
    {
        await using var router = await ModelRouterHost.StartAsync(postgres, redis);
        var model = path == "/v1/embeddings" ? "sim-embed" : "sim-fast";
        // A request rate, so that the check leaves a trace a release does not remove: the request it counted.
        await using var host = await GatewayHost.StartKestrelAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address,
            more: new Dictionary<string, string?> { [$"Quotas:Tiers:free:Models:{model}:RequestsPerMinute"] = "100" }));
        var userId = Guid.NewGuid();
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Mint(userId));

        using var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), Cancellation);

        // The check ran and took the hold; the router's refusal records no usage to settle it, so it is freed.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        Assert.Equal(1, await connection.GetDatabase().SortedSetLengthAsync($"quota:{{{userId:N}}}:rpm:{model}"));
        Assert.Empty(await UsageEventsAsync(host));
        Assert.Equal(0, await HeldTokensAsync(userId));
    }

    /// <summary>The tokens held today over every model by the user's open reservations (docs/usage.md "Quotas").</summary>
    private async Task<long> HeldTokensAsync(Guid userId)
    {
        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var day = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var held = await connection.GetDatabase().HashGetAsync($"quota:{{{userId:N}}}:day:{day}", "ht");
        return held.IsNull ? 0 : (long)held;
    }

    /// <summary>The one usage event, awaited: it is committed after the client has gone, when the gateway notices.</summary>
    private static async Task<JsonElement> SingleUsageEventAsync(GatewayHost host)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (await UsageEventsAsync(host) is { Count: > 0 } events)
            {
                return Assert.Single(events);
            }
            await Task.Delay(50, deadline.Token);
        }
    }

    /// <summary>The committed usage events, keyed by their user.</summary>
    private static async Task<List<JsonElement>> UsageEventsAsync(GatewayHost host)
    {
        await using var dataSource = NpgsqlDataSource.Create(host.DatabaseConnectionString);
        await using var command = dataSource.CreateCommand("SELECT key, payload::text FROM events.events WHERE type = 'usage.recorded' ORDER BY position");
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        var payloads = new List<JsonElement>();
        while (await reader.ReadAsync(Cancellation))
        {
            var payload = JsonDocument.Parse(reader.GetString(1)).RootElement;
            Assert.Equal(payload.GetProperty("userId").GetString(), reader.GetString(0));
            payloads.Add(payload);
        }
        return payloads;
    }
}
