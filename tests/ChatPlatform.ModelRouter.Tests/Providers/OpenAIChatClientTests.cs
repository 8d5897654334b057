using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers;
using ChatPlatform.ModelRouter.Tests.Fakes;
using Microsoft.Extensions.AI;
using static ChatPlatform.ModelRouter.Tests.Providers.ProviderTestHost;

namespace ChatPlatform.ModelRouter.Tests.Providers;

public sealed class OpenAIChatClientTests : IAsyncLifetime
{
    private static readonly ChatMessage[] Question = [new(ChatRole.System, "Be brief."), new(ChatRole.User, "Say hello.")];

    private FakeOpenAIServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Streamed_text_arrives_in_order_over_several_updates_with_the_reported_usage()
    {
        _server.Behavior = FakeBehavior.Answer("One", " two", " three", " four") with { InputTokens = 30, CachedInputTokens = 12, OutputTokens = 9 };
        var deployment = _server.Deployment();
        var client = CreateFactory(_server.KeyConfiguration).GetClient(deployment);

        var (updates, error) = await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.Null(error);
        Assert.Equal("One two three four", Text(updates));
        Assert.True(TextUpdateCount(updates) >= 4);
        var usage = Assert.IsType<UsageDetails>(Usage(updates));
        Assert.Equal(30, usage.InputTokenCount);
        Assert.Equal(12, usage.CachedInputTokenCount);
        Assert.Equal(9, usage.OutputTokenCount);
        Assert.Contains(updates, update => update.FinishReason == ChatFinishReason.Stop);
    }

    [Fact]
    public async Task A_streamed_request_asks_for_usage_and_carries_the_key_as_a_bearer_token()
    {
        var deployment = _server.Deployment(providerModel: "gpt-provider-name");
        var client = CreateFactory(_server.KeyConfiguration).GetClient(deployment);

        await StreamAsync(client, deployment, Question, new ChatOptions { MaxOutputTokens = 50 }, TestContext.Current.CancellationToken);

        var request = Assert.Single(_server.Requests);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal($"Bearer {FakeProviderServer.ApiKey}", request.Header("Authorization"));
        Assert.True(request.Stream);
        Assert.True(request.Body["stream_options"]?["include_usage"]?.GetValue<bool>());
        Assert.Equal("gpt-provider-name", request.Body["model"]?.GetValue<string>());
        Assert.Equal("system", request.Body["messages"]?[0]?["role"]?.GetValue<string>());
    }

    [Fact]
    public async Task A_non_streamed_answer_has_the_text_and_usage()
    {
        _server.Behavior = FakeBehavior.Answer("Whole", " answer") with { InputTokens = 5 };
        var client = CreateFactory(_server.KeyConfiguration).GetClient(_server.Deployment());

        var response = await client.GetResponseAsync(Question, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Whole answer", response.Text);
        Assert.Equal(5, response.Usage?.InputTokenCount);
        Assert.Equal(2, response.Usage?.OutputTokenCount);
        Assert.False(Assert.Single(_server.Requests).Stream);
    }

    [Fact]
    public async Task Azure_OpenAI_is_called_on_the_v1_API_of_the_resource_with_its_key()
    {
        var deployment = _server.Deployment(provider: ProviderKind.AzureOpenAI);
        var client = CreateFactory(_server.KeyConfiguration).GetClient(deployment);

        var (updates, error) = await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.Null(error);
        Assert.Equal(new FakeBehavior().FinalText, Text(updates));
        var request = Assert.Single(_server.Requests);
        Assert.Equal("/openai/v1/chat/completions", request.Path);
        Assert.Equal($"Bearer {FakeProviderServer.ApiKey}", request.Header("Authorization"));
    }

    [Fact]
    public async Task An_OpenAI_compatible_server_needs_no_key()
    {
        var deployment = _server.Deployment(provider: ProviderKind.OpenAICompatible) with { ApiKeySetting = null };
        var client = CreateFactory().GetClient(deployment);

        var (updates, error) = await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.Null(error);
        Assert.Equal(new FakeBehavior().FinalText, Text(updates));
    }

    [Fact]
    public void A_missing_key_is_a_permanent_error_naming_the_setting()
    {
        var deployment = _server.Deployment();

        var error = Assert.Throws<ProviderException>(() => CreateFactory().GetClient(deployment));

        Assert.False(error.IsTransient);
        Assert.Null(error.StatusCode);
        Assert.Contains(_server.ApiKeySetting, error.Message);
    }

    [Fact]
    public async Task A_bad_request_is_permanent_and_keeps_the_provider_message()
    {
        _server.Behavior = FakeBehavior.Failing(FakeFailure.BadRequest) with { ErrorMessage = "max_tokens is too large for this model" };
        var deployment = _server.Deployment();
        var client = CreateFactory(_server.KeyConfiguration).GetClient(deployment);

        var (updates, error) = await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.Empty(updates);
        Assert.NotNull(error);
        Assert.Equal(400, error.StatusCode);
        Assert.False(error.IsTransient);
        Assert.Contains("max_tokens is too large for this model", error.Message);
    }

    [Fact]
    public async Task A_rate_limit_is_transient_with_the_provider_retry_after()
    {
        _server.Behavior = FakeBehavior.Failing(FakeFailure.RateLimited) with { RetryAfterSeconds = 13 };
        var deployment = _server.Deployment();
        var client = CreateFactory(_server.KeyConfiguration).GetClient(deployment);

        var (_, error) = await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.NotNull(error);
        Assert.Equal(429, error.StatusCode);
        Assert.True(error.IsTransient);
        Assert.Equal(TimeSpan.FromSeconds(13), error.RetryAfter);
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
    public async Task A_malformed_chunk_is_a_transient_error()
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

    [Fact]
    public async Task Slow_tokens_still_arrive_one_by_one()
    {
        _server.Behavior = FakeBehavior.Answer("slow", " but", " steady") with { TokenDelay = TimeSpan.FromMilliseconds(30) };
        var deployment = _server.Deployment();
        var client = CreateFactory(_server.KeyConfiguration).GetClient(deployment);

        var (updates, error) = await StreamAsync(client, deployment, Question, options: null, TestContext.Current.CancellationToken);

        Assert.Null(error);
        Assert.Equal(["slow", " but", " steady"], updates.Where(update => update.Text.Length > 0).Select(update => update.Text));
    }
}
