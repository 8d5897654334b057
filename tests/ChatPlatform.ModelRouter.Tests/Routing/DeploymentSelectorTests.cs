using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Routing;
using static ChatPlatform.ModelRouter.Tests.Routing.RouterHarness;

namespace ChatPlatform.ModelRouter.Tests.Routing;

public sealed class DeploymentSelectorTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void Priority_orders_by_lowest_number_then_by_weight()
    {
        var router = WithDeployments(Deployment("c", priority: 2), Deployment("a", priority: 1, weight: 1), Deployment("b", priority: 1, weight: 5));

        var order = router.Selector.Order(router.Model, router.Catalog.Current.Deployments, 10, 10);

        Assert.Equal(["b", "a", "c"], order.Select(d => d.Id));
    }

    [Fact]
    public void Weighted_picks_in_proportion_to_weight()
    {
        var router = new RouterHarness(
            ChatModel(RoutingStrategy.Weighted), [Deployment("heavy", weight: 3), Deployment("light", weight: 1), Deployment("off", weight: 0)],
            random: new Random(1234));
        var deployments = router.Catalog.Current.Deployments;

        var firsts = Enumerable.Range(0, 4_000).Select(_ => router.Selector.Order(router.Model, deployments, 10, 10)).ToList();

        var heavyShare = firsts.Count(o => o[0].Id == "heavy") / 4_000.0;
        Assert.InRange(heavyShare, 0.72, 0.78);
        Assert.All(firsts, o => Assert.Equal("off", o[^1].Id));
        Assert.All(firsts, o => Assert.Equal(3, o.Count));
    }

    [Fact]
    public async Task Lowest_latency_tries_unmeasured_deployments_then_prefers_the_fastest()
    {
        var router = new RouterHarness(ChatModel(RoutingStrategy.LowestLatency), [Deployment("slow", priority: 1), Deployment("fast", priority: 2)]);
        router.Script("slow", new ScriptedChatClient([Step.Delay(TimeSpan.FromMilliseconds(150)), Step.Text("slow"), Step.Finish()]));
        router.Script("fast", ScriptedChatClient.Answering("fast"));
        var deployments = router.Catalog.Current.Deployments;

        var beforeSamples = router.Selector.Order(router.Model, deployments, 10, 10).Select(d => d.Id).ToList();
        var (first, _, _) = await router.RunAsync(cancellationToken: Token);
        var (second, _, _) = await router.RunAsync(cancellationToken: Token);
        var (third, _, _) = await router.RunAsync(cancellationToken: Token);

        Assert.Equal(["slow", "fast"], beforeSamples);
        Assert.Equal(("slow", "fast", "fast"), (first, second, third));
    }

    [Fact]
    public void Lowest_cost_prices_the_expected_tokens()
    {
        // Cheap input but dear output loses when the answer may be long, wins when it is short.
        var cheapInput = Deployment("cheap-input", priority: 1, price: new Pricing(1m, 1m, 20m));
        var cheapOutput = Deployment("cheap-output", priority: 2, price: new Pricing(5m, 5m, 2m));
        var router = new RouterHarness(ChatModel(RoutingStrategy.LowestCost), [cheapInput, cheapOutput]);
        var deployments = router.Catalog.Current.Deployments;

        var longAnswer = router.Selector.Order(router.Model, deployments, promptTokens: 1_000, maxOutputTokens: 4_000);
        var longPrompt = router.Selector.Order(router.Model, deployments, promptTokens: 100_000, maxOutputTokens: 100);

        Assert.Equal("cheap-output", longAnswer[0].Id);
        Assert.Equal("cheap-input", longPrompt[0].Id);
    }

    [Fact]
    public async Task Lowest_cost_routing_uses_the_requests_max_output_tokens()
    {
        var cheapInput = Deployment("cheap-input", priority: 1, price: new Pricing(1m, 1m, 20m));
        var cheapOutput = Deployment("cheap-output", priority: 2, price: new Pricing(5m, 5m, 2m));
        var router = new RouterHarness(ChatModel(RoutingStrategy.LowestCost), [cheapInput, cheapOutput]);
        router.Script("cheap-input", ScriptedChatClient.Answering("input"));
        router.Script("cheap-output", ScriptedChatClient.Answering("output"));

        var (shortAnswer, _, _) = await router.RunAsync(Ask(new string('x', 40_000), maxOutputTokens: 10), Token);
        var (longAnswer, _, _) = await router.RunAsync(Ask("hi", maxOutputTokens: 4_000), Token);

        Assert.Equal(("input", "output"), (shortAnswer, longAnswer));
    }
}
