using ChatPlatform.ModelRouter.Routing;
using static ChatPlatform.ModelRouter.Tests.Routing.RouterHarness;

namespace ChatPlatform.ModelRouter.Tests.Routing;

public sealed class TimeoutAndHedgingTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_deployment_silent_past_the_first_token_timeout_is_cancelled_and_the_next_one_answers()
    {
        var options = new RoutingOptions { FirstTokenTimeout = TimeSpan.FromMilliseconds(200) };
        var router = new RouterHarness(ChatModel(), [Deployment("d1", priority: 1), Deployment("d2", priority: 2)], options);
        var hung = router.Script("d1", new ScriptedChatClient([Step.Hang]));
        router.Script("d2", ScriptedChatClient.Answering("from d2"));

        var (text, _, _) = await router.RunAsync(cancellationToken: Token);

        Assert.Equal("from d2", text);
        await hung.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Contains("first token", router.Health.Get("d1").Report().LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silence_between_tokens_past_the_inter_token_timeout_ends_the_stream_with_an_error()
    {
        var options = new RoutingOptions { InterTokenTimeout = TimeSpan.FromMilliseconds(200) };
        var router = new RouterHarness(ChatModel(), [Deployment("d1", priority: 1), Deployment("d2", priority: 2)], options);
        var stalled = router.Script("d1", new ScriptedChatClient([Step.Text("Half"), Step.Hang]));
        var second = router.Script("d2", ScriptedChatClient.Answering("never"));

        var (text, failure, _) = await router.RunAsync(cancellationToken: Token);

        Assert.Equal("Half", text);
        Assert.Equal("stream_interrupted", failure?.Code);
        Assert.Contains("next token", failure!.Message, StringComparison.Ordinal);
        await stalled.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Equal(0, second.CallCount);
    }

    [Fact]
    public async Task A_slow_reader_is_not_taken_for_a_silent_provider()
    {
        var options = new RoutingOptions { InterTokenTimeout = TimeSpan.FromMilliseconds(150) };
        var router = new RouterHarness(ChatModel(), [Deployment("d1")], options);
        router.Script("d1", ScriptedChatClient.Answering("a", "b", "c"));

        var stream = await router.Router.StartAsync(Ask(), Token);
        var text = "";
        await using (stream)
        {
            await foreach (var update in stream.WithCancellation(Token))
            {
                text += update.Text;
                await Task.Delay(300, Token);
            }
        }

        Assert.Equal("abc", text);
        Assert.Equal("stop", stream.Usage!.FinishReason);
    }

    [Fact]
    public async Task Hedging_starts_the_next_deployment_when_the_first_is_slow_and_cancels_the_loser()
    {
        var options = new RoutingOptions();
        options.Hedging.Models.Add("chat-model");
        options.Hedging.MinimumDelay = TimeSpan.FromMilliseconds(50);
        options.Hedging.DelayWithoutSamples = TimeSpan.FromMilliseconds(100);
        var router = new RouterHarness(ChatModel(), [Deployment("slow", priority: 1), Deployment("quick", priority: 2)], options);
        var slow = router.Script("slow", new ScriptedChatClient([Step.Hang]));
        var quick = router.Script("quick", ScriptedChatClient.Answering("quick answer"));

        var (text, failure, stream) = await router.RunAsync(cancellationToken: Token);

        Assert.Null(failure);
        Assert.Equal("quick answer", text);
        Assert.Equal("quick", stream.Deployment.Id);
        Assert.Equal((1, 1), (slow.CallCount, quick.CallCount));
        await slow.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Equal(0, router.Health.Get("slow").Report().Failures);
    }

    [Fact]
    public async Task Without_hedging_a_slow_deployment_is_waited_for()
    {
        var router = WithDeployments(Deployment("slow", priority: 1), Deployment("quick", priority: 2));
        router.Script("slow", new ScriptedChatClient([Step.Delay(TimeSpan.FromMilliseconds(300)), Step.Text("slow answer"), Step.Finish()]));
        var quick = router.Script("quick", ScriptedChatClient.Answering("never"));

        var (text, _, _) = await router.RunAsync(cancellationToken: Token);

        Assert.Equal("slow answer", text);
        Assert.Equal(0, quick.CallCount);
    }

    [Fact]
    public void The_hedge_delay_is_the_observed_percentile_with_a_floor()
    {
        var health = new DeploymentHealth("d1", new CircuitBreakerOptions(), TimeProvider.System);
        var hedging = new HedgingOptions { MinimumDelay = TimeSpan.FromMilliseconds(60), DelayWithoutSamples = TimeSpan.FromSeconds(2) };

        var withoutSamples = ChatRouter.HedgeDelay(health, hedging);
        foreach (var ms in new[] { 10, 20, 30, 40, 50, 60, 70, 80, 90, 1000 })
        {
            health.RecordFirstToken(TimeSpan.FromMilliseconds(ms));
        }
        var p90 = ChatRouter.HedgeDelay(health, hedging);
        hedging.Percentile = 0.5;
        var floored = ChatRouter.HedgeDelay(health, hedging);

        Assert.Equal(TimeSpan.FromSeconds(2), withoutSamples);
        Assert.Equal(TimeSpan.FromMilliseconds(90), p90);
        Assert.Equal(TimeSpan.FromMilliseconds(60), floored);
    }
}
