using ChatPlatform.ModelRouter.Routing;
using Microsoft.Extensions.AI;
using static ChatPlatform.ModelRouter.Tests.Routing.RouterHarness;

namespace ChatPlatform.ModelRouter.Tests.Routing;

/// <summary>A request that is not streamed: the provider is asked for the whole answer, which can fail over until it is in.</summary>
public sealed class WholeAnswerTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static RouteRequest AskWhole() => Ask() with { Streamed = false };

    [Fact]
    public async Task The_provider_is_asked_for_the_whole_answer_and_its_usage_is_exact()
    {
        var router = WithDeployments(Deployment("d1"));
        var client = router.Script("d1", new ScriptedChatClient([Step.Text("Hello"), Step.Text(" there"), Step.Usage(12, 2, cached: 4), Step.Finish("length")]));

        var (text, failure, stream) = await router.RunAsync(AskWhole(), Token);

        Assert.Null(failure);
        Assert.Equal("Hello there", text);
        Assert.Equal((1, 1), (client.CallCount, client.WholeAnswerCalls));
        var usage = stream.Usage!;
        Assert.Equal((12L, 2L, 4L, false, "length"), (usage.InputTokens, usage.OutputTokens, usage.CachedInputTokens, usage.Estimated, usage.FinishReason));
    }

    [Fact]
    public async Task A_whole_answer_the_provider_flags_as_estimated_stays_flagged()
    {
        var router = WithDeployments(Deployment("d1"));
        router.Script("d1", new ScriptedChatClient([Step.Text("Hi"), Step.Usage(5, 1), Step.Finish(usageEstimated: true)]));

        var (_, _, stream) = await router.RunAsync(AskWhole(), Token);

        Assert.True(stream.Usage!.Estimated);
    }

    [Fact]
    public async Task A_failure_midway_through_a_whole_answer_fails_over_since_the_caller_has_nothing_yet()
    {
        var router = WithDeployments(Deployment("d1", priority: 1), Deployment("d2", priority: 2));
        router.Script("d1", new ScriptedChatClient([Step.Text("Partial"), Step.Transient(502)]));
        var second = router.Script("d2", ScriptedChatClient.Answering("Whole", " answer"));

        var (text, failure, stream) = await router.RunAsync(AskWhole(), Token);

        Assert.Null(failure);
        Assert.Equal("Whole answer", text);
        Assert.Equal("d2", stream.Deployment.Id);
        Assert.Equal(1, second.WholeAnswerCalls);
        Assert.Equal(1, router.Health.Get("d1").Report().Failures);
    }

    [Fact]
    public async Task A_whole_answer_slower_than_its_timeout_is_cancelled_and_the_next_deployment_answers()
    {
        var options = new RoutingOptions { WholeAnswerTimeout = TimeSpan.FromMilliseconds(200) };
        var router = new RouterHarness(ChatModel(), [Deployment("d1", priority: 1), Deployment("d2", priority: 2)], options);
        var hung = router.Script("d1", new ScriptedChatClient([Step.Text("Started"), Step.Hang]));
        router.Script("d2", ScriptedChatClient.Answering("from d2"));

        var (text, _, _) = await router.RunAsync(AskWhole(), Token);

        Assert.Equal("from d2", text);
        await hung.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Contains("whole answer", router.Health.Get("d1").Report().LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_first_token_timeout_does_not_cut_a_whole_answer_that_takes_longer()
    {
        var options = new RoutingOptions { FirstTokenTimeout = TimeSpan.FromMilliseconds(100), InterTokenTimeout = TimeSpan.FromMilliseconds(100) };
        var router = new RouterHarness(ChatModel(), [Deployment("d1")], options);
        router.Script("d1", new ScriptedChatClient([Step.Delay(TimeSpan.FromMilliseconds(300)), Step.Text("slow but whole"), Step.Finish()]));

        var (text, failure, _) = await router.RunAsync(AskWhole(), Token);

        Assert.Null(failure);
        Assert.Equal("slow but whole", text);
    }

    [Fact]
    public async Task A_whole_answer_is_not_hedged_and_its_time_is_not_taken_for_a_time_to_first_token()
    {
        var options = new RoutingOptions();
        options.Hedging.Models.Add("chat-model");
        options.Hedging.MinimumDelay = TimeSpan.FromMilliseconds(50);
        options.Hedging.DelayWithoutSamples = TimeSpan.FromMilliseconds(50);
        var router = new RouterHarness(ChatModel(), [Deployment("slow", priority: 1), Deployment("quick", priority: 2)], options);
        router.Script("slow", new ScriptedChatClient([Step.Delay(TimeSpan.FromMilliseconds(300)), Step.Text("slow answer"), Step.Finish()]));
        var quick = router.Script("quick", ScriptedChatClient.Answering("never"));

        var (text, _, _) = await router.RunAsync(AskWhole(), Token);

        Assert.Equal("slow answer", text);
        Assert.Equal(0, quick.CallCount);
        var report = router.Health.Get("slow").Report();
        Assert.Null(report.TimeToFirstTokenMs);
        Assert.Equal(0, report.Failures);
    }

    [Fact]
    public void A_whole_answer_becomes_the_one_update_a_stream_of_it_adds_up_to()
    {
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "Hello"))
        {
            FinishReason = ChatFinishReason.Length,
            Usage = new UsageDetails { InputTokenCount = 3, OutputTokenCount = 1 },
            AdditionalProperties = new() { ["usage_estimated"] = true },
        };

        var update = ProviderAttempt.AsOneUpdate(response);

        Assert.Equal("Hello", update.Text);
        Assert.Equal(ChatFinishReason.Length, update.FinishReason);
        Assert.Equal((3L, 1L), (update.Contents.OfType<UsageContent>().Single().Details.InputTokenCount, update.Contents.OfType<UsageContent>().Single().Details.OutputTokenCount));
        Assert.Equal(true, update.AdditionalProperties!["usage_estimated"]);
    }
}
