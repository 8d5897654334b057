using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers;
using ChatPlatform.ModelRouter.Routing;
using Microsoft.Extensions.AI;
using static ChatPlatform.ModelRouter.Tests.Routing.RouterHarness;

namespace ChatPlatform.ModelRouter.Tests.Routing;

public sealed class ChatRouterTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_transient_error_before_the_first_token_fails_over_to_the_next_deployment()
    {
        var router = WithDeployments(Deployment("d1", priority: 1), Deployment("d2", priority: 2));
        var first = router.Script("d1", new ScriptedChatClient([Step.Transient(503)]));
        var second = router.Script("d2", ScriptedChatClient.Answering("Hello", " there"));

        var (text, failure, stream) = await router.RunAsync(cancellationToken: Token);

        Assert.Equal("Hello there", text);
        Assert.Null(failure);
        Assert.Equal("d2", stream.Deployment.Id);
        Assert.Equal(1, first.CallCount);
        Assert.Equal(1, second.CallCount);
        Assert.Equal("d2-model", second.Options.Single()?.ModelId);
    }

    [Fact]
    public async Task A_failure_after_the_first_token_ends_the_stream_with_an_error_and_keeps_the_partial_text()
    {
        var router = WithDeployments(Deployment("d1", priority: 1), Deployment("d2", priority: 2));
        router.Script("d1", new ScriptedChatClient([Step.Text("Partial"), Step.Text(" answer"), Step.Transient(502)]));
        var second = router.Script("d2", ScriptedChatClient.Answering("never"));

        var (text, failure, stream) = await router.RunAsync(cancellationToken: Token);

        Assert.Equal("Partial answer", text);
        Assert.NotNull(failure);
        Assert.Equal("stream_interrupted", failure.Code);
        Assert.Equal(0, second.CallCount);
        Assert.Equal("error", stream.Usage!.FinishReason);
    }

    [Fact]
    public async Task A_non_transient_provider_error_is_returned_as_it_is_without_failover()
    {
        var router = WithDeployments(Deployment("d1", priority: 1), Deployment("d2", priority: 2));
        router.Script("d1", new ScriptedChatClient([Step.Fail(new ProviderException("max_tokens is too large", 400, isTransient: false))]));
        var second = router.Script("d2", ScriptedChatClient.Answering("never"));

        var error = await Assert.ThrowsAsync<RoutingException>(() => router.RunAsync(cancellationToken: Token));

        Assert.Equal(400, error.StatusCode);
        Assert.Equal("max_tokens is too large", error.Message);
        Assert.Equal(0, second.CallCount);
    }

    [Theory]
    [InlineData(401, 502, "provider_auth_error")]
    [InlineData(403, 502, "provider_auth_error")]
    [InlineData(422, 422, null)]
    [InlineData(null, 502, "provider_error")]
    public async Task A_non_transient_failure_that_is_not_the_callers_fault_is_a_bad_gateway(int? providerStatus, int status, string? code)
    {
        var router = WithDeployments(Deployment("d1"));
        router.Script("d1", new ScriptedChatClient([Step.Fail(new ProviderException("refused", providerStatus, isTransient: false))]));

        var error = await Assert.ThrowsAsync<RoutingException>(() => router.RunAsync(cancellationToken: Token));

        Assert.Equal((status, code), (error.StatusCode, error.Code));
    }

    [Fact]
    public async Task Every_deployment_failing_is_a_503_with_each_ones_reason()
    {
        var router = WithDeployments(Deployment("d1", priority: 1), Deployment("d2", priority: 2));
        router.Script("d1", new ScriptedChatClient([Step.Transient(500)]));
        router.Script("d2", new ScriptedChatClient([Step.Transient(529)]));

        var error = await Assert.ThrowsAsync<RoutingException>(() => router.RunAsync(cancellationToken: Token));

        Assert.Equal(503, error.StatusCode);
        Assert.Equal("all_deployments_failed", error.Code);
        Assert.Collection(
            error.Failures,
            f => Assert.Equal(("d1", "500 provider answered 500"), (f.DeploymentId, f.Reason)),
            f => Assert.Equal(("d2", "529 provider answered 529"), (f.DeploymentId, f.Reason)));
    }

    [Fact]
    public async Task An_unknown_or_disabled_model_is_not_found()
    {
        var router = WithDeployments(Deployment("d1"));
        router.Script("d1", ScriptedChatClient.Answering("hi"));

        var unknown = await Assert.ThrowsAsync<RoutingException>(() => router.Router.StartAsync(Ask() with { Model = "nope" }, Token));
        router.Catalog.Current = new([router.Model with { Enabled = false }], [Deployment("d1")]);
        var disabled = await Assert.ThrowsAsync<RoutingException>(() => router.Router.StartAsync(Ask(), Token));

        Assert.Equal((404, "model_not_found"), (unknown.StatusCode, unknown.Code));
        router.Catalog.Current = new([router.Model], [Deployment("d1") with { Enabled = false }]);
        var withoutDeployments = await Assert.ThrowsAsync<RoutingException>(() => router.Router.StartAsync(Ask(), Token));

        Assert.Equal((404, "model_not_found"), (disabled.StatusCode, disabled.Code));
        Assert.Equal((404, "model_not_found"), (withoutDeployments.StatusCode, withoutDeployments.Code));
        Assert.Equal(0, router.Factory.Clients["d1"].CallCount);
    }

    [Fact]
    public async Task An_image_sent_to_a_model_without_vision_is_a_400_before_any_provider_call()
    {
        var router = WithDeployments(Deployment("d1"));
        var client = router.Script("d1", ScriptedChatClient.Answering("hi"));
        var request = new RouteRequest("chat-model", [new ChatMessage(ChatRole.User,
            [new TextContent("What is this?"), new DataContent("data:image/png;base64,iVBORw0KGgo=")])]);

        var error = await Assert.ThrowsAsync<RoutingException>(() => router.Router.StartAsync(request, Token));

        Assert.Equal(400, error.StatusCode);
        Assert.Contains("does not accept images", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.CallCount);
    }

    [Fact]
    public async Task An_image_sent_to_a_vision_model_reaches_the_provider()
    {
        var router = new RouterHarness(ChatModel(vision: true), [Deployment("d1")]);
        var client = router.Script("d1", ScriptedChatClient.Answering("A cat."));
        var request = new RouteRequest("chat-model", [new ChatMessage(ChatRole.User,
            [new TextContent("What is this?"), new UriContent("https://example.com/cat.png", "image/png")])]);

        var (text, _, _) = await router.RunAsync(request, Token);

        Assert.Equal("A cat.", text);
        Assert.IsType<UriContent>(client.Messages.Single().Single().Contents[1]);
    }

    [Fact]
    public async Task Usage_is_exact_when_the_provider_reports_it_and_priced_at_the_deployments_rates()
    {
        var price = new Pricing(InputPerMillion: 2m, CachedInputPerMillion: 0.5m, OutputPerMillion: 8m);
        var router = WithDeployments(Deployment("d1", price: price));
        router.Script("d1", new ScriptedChatClient([Step.Text("Hi"), Step.Usage(input: 1_000, output: 500, cached: 200), Step.Finish("length")]));

        var (_, _, stream) = await router.RunAsync(cancellationToken: Token);

        var usage = stream.Usage!;
        Assert.Equal((1_000L, 500L, 200L, false), (usage.InputTokens, usage.OutputTokens, usage.CachedInputTokens, usage.Estimated));
        Assert.Equal(((800 * 2m) + (200 * 0.5m) + (500 * 8m)) / 1_000_000m, usage.Cost);
        Assert.Equal(("chat-model", "d1", ProviderKind.OpenAI, "length"), (usage.Model, usage.DeploymentId, usage.Provider, usage.FinishReason));
        Assert.True(usage.Duration >= usage.TimeToFirstToken);
    }

    [Fact]
    public async Task Usage_is_estimated_and_flagged_when_the_provider_reports_none()
    {
        var router = WithDeployments(Deployment("d1", price: new Pricing(1m, 1m, 1m)));
        router.Script("d1", ScriptedChatClient.Answering("12345678", "1234"));

        var (_, _, stream) = await router.RunAsync(Ask(new string('x', 40)), Token);

        var usage = stream.Usage!;
        Assert.True(usage.Estimated);
        Assert.Equal((10L, 3L), (usage.InputTokens, usage.OutputTokens));
        Assert.Equal(13m / 1_000_000m, usage.Cost);
    }

    [Fact]
    public async Task Usage_is_flagged_estimated_when_the_provider_says_so()
    {
        var router = WithDeployments(Deployment("d1", provider: ProviderKind.Simulator));
        router.Script("d1", new ScriptedChatClient([Step.Text("Hi"), Step.Usage(12, 3), Step.Finish(usageEstimated: true)]));

        var (_, _, stream) = await router.RunAsync(cancellationToken: Token);

        Assert.True(stream.Usage!.Estimated);
        Assert.Equal((12L, 3L), (stream.Usage.InputTokens, stream.Usage.OutputTokens));
    }

    [Fact]
    public async Task A_caller_that_cancels_cancels_the_provider_call()
    {
        var router = WithDeployments(Deployment("d1"));
        var client = router.Script("d1", new ScriptedChatClient([Step.Text("Hello"), Step.Hang]));
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Token);

        var stream = await router.Router.StartAsync(Ask(), caller.Token);
        await using var enumerator = stream.GetAsyncEnumerator(caller.Token);
        Assert.True(await enumerator.MoveNextAsync());
        Assert.True(await enumerator.MoveNextAsync());
        Assert.Equal("Hello", enumerator.Current.Text);
        var next = enumerator.MoveNextAsync().AsTask();
        await caller.CancelAsync();

        await client.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
    }

    [Fact]
    public async Task A_caller_that_cancels_before_the_first_token_cancels_the_provider_call()
    {
        var router = WithDeployments(Deployment("d1"), Deployment("d2", priority: 2));
        var client = router.Script("d1", new ScriptedChatClient([Step.Hang]));
        var second = router.Script("d2", ScriptedChatClient.Answering("never"));
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Token);

        var start = router.Router.StartAsync(Ask(), caller.Token);
        await client.Started.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start);
        await client.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Equal(0, second.CallCount);
    }
}
