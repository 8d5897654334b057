using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ChatPlatform.ModelRouter.Routing;
using static ChatPlatform.ModelRouter.Tests.Routing.RouterHarness;

namespace ChatPlatform.ModelRouter.Tests.Routing;

public sealed class RouterTelemetryTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_request_has_a_span_with_GenAI_attributes_and_one_span_per_attempt_without_any_text()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RouterTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var router = WithDeployments(Deployment("tele-d1", priority: 1), Deployment("tele-d2", priority: 2));
        router.Script("tele-d1", new ScriptedChatClient([Step.Transient(503)]));
        router.Script("tele-d2", new ScriptedChatClient([Step.Text("secret answer"), Step.Usage(11, 2), Step.Finish()]));
        using var test = new Activity("test").Start();

        await router.RunAsync(Ask("secret prompt"), Token);
        test.Stop();

        var spans = stopped.Where(a => a.TraceId == test.TraceId).ToList();
        var request = Assert.Single(spans, s => s.Kind == ActivityKind.Internal);
        var attempts = spans.Where(s => s.Kind == ActivityKind.Client).ToList();
        Assert.Equal("chat", request.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("chat-model", request.GetTagItem("gen_ai.request.model"));
        Assert.Equal("tele-d2-model", request.GetTagItem("gen_ai.response.model"));
        Assert.Equal("openai", request.GetTagItem("gen_ai.provider.name"));
        Assert.Equal(11L, request.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(2L, request.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal(["stop"], (string[])request.GetTagItem("gen_ai.response.finish_reasons")!);
        Assert.Equal("tele-d2", request.GetTagItem("chatplatform.deployment.id"));
        Assert.Equal(["tele-d1", "tele-d2"], attempts.Select(a => (string?)a.GetTagItem("chatplatform.deployment.id")).Order());
        Assert.All(attempts, a => Assert.Equal(request.SpanId, a.ParentSpanId));
        Assert.Equal(ActivityStatusCode.Error, attempts.Single(a => (string?)a.GetTagItem("chatplatform.deployment.id") == "tele-d1").Status);
        Assert.DoesNotContain(spans.SelectMany(s => s.TagObjects), t => t.Value is string text && text.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Failovers_tokens_and_cost_are_measured()
    {
        var measurements = new ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == RouterTelemetry.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Enqueue((i.Name, v, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Enqueue((i.Name, v, ToDictionary(tags))));
        listener.Start();
        var price = new Model.Pricing(1_000_000m, 0m, 1_000_000m);
        var router = new RouterHarness(ChatModel() with { Id = "metered-model" }, [
            Deployment("meter-d1", priority: 1) with { ModelId = "metered-model" },
            Deployment("meter-d2", priority: 2, price: price) with { ModelId = "metered-model" }]);
        router.Script("meter-d1", new ScriptedChatClient([Step.Transient(500)]));
        router.Script("meter-d2", new ScriptedChatClient([Step.Text("ok"), Step.Usage(4, 1), Step.Finish()]));

        await router.RunAsync(Ask() with { Model = "metered-model" }, Token);

        var ours = measurements.Where(m => m.Tags.GetValueOrDefault("gen_ai.request.model") as string == "metered-model").ToList();
        Assert.Contains(measurements, m => m.Instrument == "chatplatform.router.failovers" && m.Tags.GetValueOrDefault("chatplatform.deployment.id") as string == "meter-d1");
        Assert.Equal(4, ours.Single(m => m.Instrument == "gen_ai.client.token.usage" && m.Tags["gen_ai.token.type"] as string == "input").Value);
        Assert.Equal(1, ours.Single(m => m.Instrument == "gen_ai.client.token.usage" && m.Tags["gen_ai.token.type"] as string == "output").Value);
        Assert.Equal(5, ours.Single(m => m.Instrument == "chatplatform.router.cost").Value);
        Assert.Single(ours, m => m.Instrument == "gen_ai.server.time_to_first_token");
        Assert.Single(ours, m => m.Instrument == "gen_ai.client.operation.duration");
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            result[tag.Key] = tag.Value;
        }
        return result;
    }
}
