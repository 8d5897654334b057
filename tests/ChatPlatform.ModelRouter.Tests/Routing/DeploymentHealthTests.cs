using ChatPlatform.ModelRouter.Routing;
using Polly.CircuitBreaker;
using static ChatPlatform.ModelRouter.Tests.Routing.RouterHarness;

namespace ChatPlatform.ModelRouter.Tests.Routing;

public sealed class DeploymentHealthTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static RoutingOptions BreakerOptions() => new()
    {
        CircuitBreaker = new CircuitBreakerOptions
        {
            FailureRatio = 0.5,
            MinimumThroughput = 2,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromSeconds(30),
        },
    };

    [Fact]
    public async Task A_429_with_Retry_After_makes_the_deployment_skipped_until_then()
    {
        var clock = new ManualClock();
        var router = new RouterHarness(ChatModel(), [Deployment("d1", priority: 1), Deployment("d2", priority: 2)], time: clock);
        var limited = router.Script("d1", new ScriptedChatClient([Step.Transient(429, TimeSpan.FromSeconds(20))], [Step.Text("back"), Step.Finish()]));
        router.Script("d2", ScriptedChatClient.Answering("from d2"));

        var (first, _, _) = await router.RunAsync(cancellationToken: Token);
        clock.Advance(TimeSpan.FromSeconds(10));
        var (during, _, _) = await router.RunAsync(cancellationToken: Token);
        var report = router.Health.Get("d1").Report();
        clock.Advance(TimeSpan.FromSeconds(11));
        var (after, _, _) = await router.RunAsync(cancellationToken: Token);

        Assert.Equal(("from d2", "from d2", "back"), (first, during, after));
        Assert.Equal(2, limited.CallCount);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 20, TimeSpan.Zero), report.RetryAfterUntil);
        Assert.StartsWith("429", report.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_circuit_opens_after_failures_rejects_during_its_cooldown_and_a_successful_probe_closes_it()
    {
        var clock = new ManualClock();
        var router = new RouterHarness(ChatModel(), [Deployment("d1", priority: 1), Deployment("d2", priority: 2)], BreakerOptions(), clock);
        var flaky = router.Script("d1", new ScriptedChatClient([Step.Transient(500)], [Step.Transient(500)], [Step.Text("recovered"), Step.Finish()]));
        router.Script("d2", ScriptedChatClient.Answering("fallback"));
        var health = router.Health.Get("d1");

        await router.RunAsync(cancellationToken: Token);
        await router.RunAsync(cancellationToken: Token);
        var stateAfterFailures = health.CircuitState;
        var (duringCooldown, _, _) = await router.RunAsync(cancellationToken: Token);
        var callsDuringCooldown = flaky.CallCount;
        clock.Advance(TimeSpan.FromSeconds(31));
        var stateAfterCooldown = health.CircuitState;
        var (probe, _, _) = await router.RunAsync(cancellationToken: Token);

        Assert.Equal(CircuitState.Open, stateAfterFailures);
        Assert.Equal("fallback", duringCooldown);
        Assert.Equal(2, callsDuringCooldown);
        Assert.Equal(CircuitState.HalfOpen, stateAfterCooldown);
        Assert.Equal("recovered", probe);
        await WaitUntilAsync(() => health.CircuitState == CircuitState.Closed);
    }

    [Fact]
    public async Task A_half_open_circuit_lets_one_probe_through_at_a_time()
    {
        var clock = new ManualClock();
        var router = new RouterHarness(ChatModel(), [Deployment("d1")], BreakerOptions(), clock);
        var health = router.Health.Get("d1");
        for (var i = 0; i < 2; i++)
        {
            var failed = await health.TryAcquireAsync();
            failed!.Fail(new TimeoutException("slow"));
            await Task.Yield();
        }
        Assert.Null(await health.TryAcquireAsync());
        clock.Advance(TimeSpan.FromSeconds(31));

        var probe = await health.TryAcquireAsync();
        var second = await health.TryAcquireAsync();
        probe!.Succeed();
        await WaitUntilAsync(() => health.CircuitState == CircuitState.Closed);
        var afterProbe = await health.TryAcquireAsync();

        Assert.NotNull(probe);
        Assert.Null(second);
        Assert.NotNull(afterProbe);
        afterProbe.Succeed();
    }

    [Fact]
    public async Task An_open_circuit_on_every_deployment_is_a_503_naming_it()
    {
        var clock = new ManualClock();
        var router = new RouterHarness(ChatModel(), [Deployment("d1")], BreakerOptions(), clock);
        router.Script("d1", new ScriptedChatClient([Step.Transient(500)]));
        await Assert.ThrowsAsync<RoutingException>(() => router.RunAsync(cancellationToken: Token));
        await Assert.ThrowsAsync<RoutingException>(() => router.RunAsync(cancellationToken: Token));

        var error = await Assert.ThrowsAsync<RoutingException>(() => router.RunAsync(cancellationToken: Token));

        Assert.Equal(503, error.StatusCode);
        Assert.Equal("circuit open", Assert.Single(error.Failures).Reason);
        Assert.Equal(2, router.Factory.Clients["d1"].CallCount);
    }

    [Fact]
    public async Task Time_to_first_token_and_error_rate_are_moving_averages()
    {
        var router = WithDeployments(Deployment("d1"));
        router.Script("d1", new ScriptedChatClient([Step.Transient(500)], [Step.Text("ok"), Step.Finish()]));

        await Assert.ThrowsAsync<RoutingException>(() => router.RunAsync(cancellationToken: Token));
        await router.RunAsync(cancellationToken: Token);
        var report = router.Health.Get("d1").Report();

        Assert.Equal(2, report.Requests);
        Assert.Equal(1, report.Failures);
        Assert.InRange(report.ErrorRate, 0.15, 0.17);
        Assert.NotNull(report.TimeToFirstTokenMs);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }
}
