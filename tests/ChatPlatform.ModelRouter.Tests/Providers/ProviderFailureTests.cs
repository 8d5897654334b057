using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers;
using ChatPlatform.ModelRouter.Tests.Fakes;
using Microsoft.Extensions.AI;
using static ChatPlatform.ModelRouter.Tests.Providers.ProviderTestHost;

namespace ChatPlatform.ModelRouter.Tests.Providers;

/// <summary>
/// How every provider adapter reports its provider's failures, run once per adapter against that provider's fake
/// server: routing relies on the same classification whichever SDK is behind a deployment.
/// </summary>
public abstract class ProviderFailureTests<TServer> : IAsyncLifetime
    where TServer : FakeProviderServer
{
    private static readonly ChatMessage[] FailureQuestion = [new(ChatRole.User, "Say hello.")];

    protected TServer Server { get; private set; } = null!;

    protected abstract Task<TServer> StartServerAsync(CancellationToken cancellationToken);

    protected abstract DeploymentDefinition Deployment();

    public async ValueTask InitializeAsync() => Server = await StartServerAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    [Fact]
    public async Task A_bad_request_is_permanent_and_keeps_the_provider_message()
    {
        Server.Behavior = FakeBehavior.Failing(FakeFailure.BadRequest) with { ErrorMessage = "max_tokens is too large for this model" };
        var deployment = Deployment();
        var client = CreateFactory(Server.KeyConfiguration).GetClient(deployment);

        var (updates, error) = await StreamAsync(client, deployment, FailureQuestion, options: null, TestContext.Current.CancellationToken);

        Assert.Empty(updates);
        Assert.NotNull(error);
        Assert.Equal(400, error.StatusCode);
        Assert.False(error.IsTransient);
        Assert.Contains("max_tokens is too large for this model", error.Message);
    }

    [Fact]
    public async Task A_rate_limit_is_transient_with_the_provider_retry_after()
    {
        Server.Behavior = FakeBehavior.Failing(FakeFailure.RateLimited) with { RetryAfterSeconds = 13 };
        var deployment = Deployment();
        var client = CreateFactory(Server.KeyConfiguration).GetClient(deployment);

        var (_, error) = await StreamAsync(client, deployment, FailureQuestion, options: null, TestContext.Current.CancellationToken);

        Assert.NotNull(error);
        Assert.Equal(429, error.StatusCode);
        Assert.True(error.IsTransient);
        Assert.Equal(TimeSpan.FromSeconds(13), error.RetryAfter);
        Assert.Equal(1, Server.CallCount);
    }

    [Fact]
    public async Task AServer_error_is_transient_and_not_retried_behind_the_router()
    {
        Server.Behavior = FakeBehavior.Failing(FakeFailure.ServerError);
        var deployment = Deployment();
        var client = CreateFactory(Server.KeyConfiguration).GetClient(deployment);

        var (_, error) = await StreamAsync(client, deployment, FailureQuestion, options: null, TestContext.Current.CancellationToken);

        Assert.NotNull(error);
        Assert.Equal(500, error.StatusCode);
        Assert.True(error.IsTransient);
        Assert.Equal(1, Server.CallCount);
    }

    [Fact]
    public async Task A_connection_reset_mid_stream_fails_after_the_first_tokens()
    {
        Server.Behavior = FakeBehavior.Failing(FakeFailure.ResetMidStream) with { Tokens = ["a", "b", "c", "d"], FailAfterChunks = 2 };
        var deployment = Deployment();
        var client = CreateFactory(Server.KeyConfiguration).GetClient(deployment);

        var (updates, error) = await StreamAsync(client, deployment, FailureQuestion, options: null, TestContext.Current.CancellationToken);

        Assert.Equal("ab", Text(updates));
        Assert.NotNull(error);
        Assert.True(error.IsTransient);
        Assert.Null(error.StatusCode);
    }

    [Fact]
    public async Task A_malformed_chunk_is_a_transient_error()
    {
        Server.Behavior = FakeBehavior.Failing(FakeFailure.MalformedChunk) with { FailAfterChunks = 1 };
        var deployment = Deployment();
        var client = CreateFactory(Server.KeyConfiguration).GetClient(deployment);

        var (updates, error) = await StreamAsync(client, deployment, FailureQuestion, options: null, TestContext.Current.CancellationToken);

        Assert.Equal("Hello", Text(updates));
        Assert.NotNull(error);
        Assert.True(error.IsTransient);
    }

    [Theory]
    [InlineData(FakeFailure.ResetMidStream)]
    [InlineData(FakeFailure.MalformedChunk)]
    [InlineData(FakeFailure.ServerError)]
    public async Task A_whole_answer_cut_off_malformed_or_failed_is_a_transient_error(FakeFailure failure)
    {
        Server.Behavior = FakeBehavior.Failing(failure);
        var deployment = Deployment();
        var client = CreateFactory(Server.KeyConfiguration).GetClient(deployment);

        var (response, error) = await AskWholeAsync(client, deployment, FailureQuestion, TestContext.Current.CancellationToken);

        Assert.Null(response);
        Assert.NotNull(error);
        Assert.True(error.IsTransient);
        Assert.False(Assert.Single(Server.Requests).Stream);
    }

    [Fact]
    public async Task Cancelling_a_hanging_stream_aborts_the_request_at_the_provider()
    {
        Server.Behavior = FakeBehavior.Failing(FakeFailure.HangBeforeFirstToken);
        var client = CreateFactory(Server.KeyConfiguration).GetClient(Deployment());
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var streaming = Task.Run(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync(FailureQuestion, cancellationToken: cancellation.Token))
            {
            }
        }, TestContext.Current.CancellationToken);
        await Server.NextRequestAsync(TestContext.Current.CancellationToken);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => streaming);
        await Server.WaitForAbortAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, Server.AbortedCount);
    }
}
