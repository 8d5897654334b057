using ChatPlatform.ModelRouter.Tests.Fakes;
using Microsoft.Extensions.AI;
using static ChatPlatform.ModelRouter.Tests.Providers.ProviderTestHost;

namespace ChatPlatform.ModelRouter.Tests.Providers;

public sealed class AnthropicChatClientTests : IAsyncLifetime
{
    private static readonly ChatMessage[] Question = [new(ChatRole.System, "Answer in French."), new(ChatRole.User, "Say hello.")];

    private FakeAnthropicServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await FakeAnthropicServer.StartAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Streamed_text_arrives_in_order_over_several_updates_with_the_reported_usage()
    {
        _server.Behavior = FakeBehavior.Answer("Bon", "jour", " à", " tous") with { InputTokens = 30, CachedInputTokens = 12, OutputTokens = 7 };
        var deployment = _server.Deployment();
        var client = CreateFactory(_server.KeyConfiguration).GetClient(deployment);

        var (updates, error) = await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.Null(error);
        Assert.Equal("Bonjour à tous", Text(updates));
        Assert.True(TextUpdateCount(updates) >= 4);
        var usage = Assert.IsType<UsageDetails>(Usage(updates));
        Assert.Equal(30, usage.InputTokenCount);
        Assert.Equal(12, usage.CachedInputTokenCount);
        Assert.Equal(7, usage.OutputTokenCount);
    }

    [Fact]
    public async Task The_request_carries_the_key_the_system_prompt_max_tokens_and_an_image()
    {
        var deployment = _server.Deployment(providerModel: "claude-provider-name");
        var client = CreateFactory(_server.KeyConfiguration).GetClient(deployment);
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        ChatMessage[] messages =
        [
            new(ChatRole.System, "Describe images briefly."),
            new(ChatRole.User, [new TextContent("What is this?"), new DataContent(png, "image/png")]),
        ];

        var (_, error) = await StreamAsync(client, deployment, messages, new ChatOptions { MaxOutputTokens = 321 }, TestContext.Current.CancellationToken);

        Assert.Null(error);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("/v1/messages", request.Path);
        Assert.Equal(FakeProviderServer.ApiKey, request.Header("x-api-key"));
        Assert.NotNull(request.Header("anthropic-version"));
        Assert.Equal("claude-provider-name", request.Body["model"]?.GetValue<string>());
        Assert.Equal(321, request.Body["max_tokens"]?.GetValue<int>());
        Assert.True(request.Stream);
        Assert.Contains("Describe images briefly.", request.Body["system"]?.ToJsonString());
        var message = Assert.Single(request.Body["messages"]!.AsArray());
        Assert.Equal("user", message!["role"]?.GetValue<string>());
        var image = Assert.Single(message["content"]!.AsArray(), block => block?["type"]?.GetValue<string>() == "image");
        Assert.Equal("base64", image!["source"]?["type"]?.GetValue<string>());
        Assert.Equal("image/png", image["source"]?["media_type"]?.GetValue<string>());
        Assert.Equal(Convert.ToBase64String(png), image["source"]?["data"]?.GetValue<string>());
    }

    [Fact]
    public async Task An_image_by_url_is_sent_as_a_url_source()
    {
        var deployment = _server.Deployment();
        var client = CreateFactory(_server.KeyConfiguration).GetClient(deployment);
        ChatMessage[] messages = [new(ChatRole.User, [new TextContent("And this?"), new UriContent("https://example.com/cat.png", "image/png")])];

        var (_, error) = await StreamAsync(client, deployment, messages, options: null, TestContext.Current.CancellationToken);

        Assert.Null(error);
        var content = Assert.Single(_server.Requests).Body["messages"]![0]!["content"]!.AsArray();
        var image = Assert.Single(content, block => block?["type"]?.GetValue<string>() == "image");
        Assert.Equal("url", image!["source"]?["type"]?.GetValue<string>());
        Assert.Equal("https://example.com/cat.png", image["source"]?["url"]?.GetValue<string>());
    }

    [Fact]
    public async Task Without_a_requested_limit_max_tokens_is_the_default()
    {
        var deployment = _server.Deployment();
        var client = CreateFactory(_server.KeyConfiguration).GetClient(deployment);

        await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.Equal(ModelRouter.Providers.ChatClientFactory.DefaultMaxOutputTokens, Assert.Single(_server.Requests).Body["max_tokens"]?.GetValue<int>());
    }

    [Fact]
    public async Task A_non_streamed_answer_has_the_text_and_usage()
    {
        _server.Behavior = FakeBehavior.Answer("Tout", " entier") with { InputTokens = 5 };
        var client = CreateFactory(_server.KeyConfiguration).GetClient(_server.Deployment());

        var response = await client.GetResponseAsync(Question, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Tout entier", response.Text);
        Assert.Equal(5, response.Usage?.InputTokenCount);
        Assert.Equal(2, response.Usage?.OutputTokenCount);
    }

    [Fact]
    public async Task A_bad_request_is_permanent_and_keeps_the_provider_message()
    {
        _server.Behavior = FakeBehavior.Failing(FakeFailure.BadRequest) with { ErrorMessage = "messages: text content blocks must be non-empty" };
        var deployment = _server.Deployment();
        var client = CreateFactory(_server.KeyConfiguration).GetClient(deployment);

        var (updates, error) = await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.Empty(updates);
        Assert.NotNull(error);
        Assert.Equal(400, error.StatusCode);
        Assert.False(error.IsTransient);
        Assert.Contains("messages: text content blocks must be non-empty", error.Message);
    }

    [Fact]
    public async Task A_rate_limit_is_transient_with_the_provider_retry_after()
    {
        _server.Behavior = FakeBehavior.Failing(FakeFailure.RateLimited) with { RetryAfterSeconds = 11 };
        var deployment = _server.Deployment();
        var client = CreateFactory(_server.KeyConfiguration).GetClient(deployment);

        var (_, error) = await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.NotNull(error);
        Assert.Equal(429, error.StatusCode);
        Assert.True(error.IsTransient);
        Assert.Equal(TimeSpan.FromSeconds(11), error.RetryAfter);
        Assert.Equal(1, _server.CallCount);
    }

    [Fact]
    public async Task A_server_error_is_transient_and_not_retried_behind_the_router()
    {
        _server.Behavior = FakeBehavior.Failing(FakeFailure.ServerError);
        var deployment = _server.Deployment();
        var client = CreateFactory(_server.KeyConfiguration).GetClient(deployment);

        var (_, error) = await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.NotNull(error);
        Assert.Equal(500, error.StatusCode);
        Assert.True(error.IsTransient);
        Assert.Equal(1, _server.CallCount);
    }

    [Fact]
    public async Task A_connection_reset_mid_stream_fails_after_the_first_tokens()
    {
        _server.Behavior = FakeBehavior.Failing(FakeFailure.ResetMidStream) with { Tokens = ["a", "b", "c", "d"], FailAfterChunks = 2 };
        var deployment = _server.Deployment();
        var client = CreateFactory(_server.KeyConfiguration).GetClient(deployment);

        var (updates, error) = await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.Equal("ab", Text(updates));
        Assert.NotNull(error);
        Assert.True(error.IsTransient);
        Assert.Null(error.StatusCode);
    }

    [Fact]
    public async Task A_malformed_event_is_a_transient_error()
    {
        _server.Behavior = FakeBehavior.Failing(FakeFailure.MalformedChunk) with { FailAfterChunks = 1 };
        var deployment = _server.Deployment();
        var client = CreateFactory(_server.KeyConfiguration).GetClient(deployment);

        var (updates, error) = await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.Equal("Hello", Text(updates));
        Assert.NotNull(error);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task Cancelling_a_hanging_stream_aborts_the_request_at_the_provider()
    {
        _server.Behavior = FakeBehavior.Failing(FakeFailure.HangBeforeFirstToken);
        var client = CreateFactory(_server.KeyConfiguration).GetClient(_server.Deployment());
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var streaming = Task.Run(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync(Question, cancellationToken: cancellation.Token))
            {
            }
        }, TestContext.Current.CancellationToken);
        await _server.NextRequestAsync(TestContext.Current.CancellationToken);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => streaming);
        await _server.WaitForAbortAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, _server.AbortedCount);
    }
}
