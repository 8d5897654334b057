using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.EventLog.Tests;

public sealed class EventLogTelemetryTests(PostgresFixture postgres)
{
    private const string RequestsName = "ChatPlatform.EventLog.Tests";
    private static readonly ActivitySource Requests = new(RequestsName);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_handled_event_continues_the_trace_that_appended_it()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is EventLogTelemetry.Name or RequestsName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var producer = await TestHost.StartProducerAsync(connectionString);
        var recorder = new Recorder();
        await using var consumer = await TestHost.StartConsumerAsync(connectionString, "traced", recorder.Record);

        ActivityTraceId traceId;
        using (var request = Requests.StartActivity("request"))
        {
            traceId = request!.TraceId;
            await producer.AppendAsync(Events.Numbered("k", 1));
        }
        var handled = (await recorder.WaitForCountAsync(1))[0];
        await WaitUntilAsync(() => stopped.Any(a => a.TraceId == traceId && a.Kind == ActivityKind.Consumer));

        var append = Assert.Single(stopped, a => a.TraceId == traceId && a.Kind == ActivityKind.Producer);
        var process = Assert.Single(stopped, a => a.TraceId == traceId && a.Kind == ActivityKind.Consumer);
        Assert.Equal(append.Id, handled.TraceParent);
        Assert.Equal(append.SpanId, process.ParentSpanId);
        Assert.Contains(process.Links, link => link.Context.SpanId == append.SpanId);
        Assert.Equal("traced", process.GetTagItem("messaging.consumer.group.name"));
        Assert.Equal(handled.Id.ToString(), process.GetTagItem("messaging.message.id"));
    }

    [Fact]
    public async Task Appended_and_consumed_events_and_the_consumer_lag_are_measured()
    {
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        var recorder = new Recorder();
        await using var host = await TestHost.StartConsumerAsync(connectionString, "measured", recorder.Record);
        var meterFactory = host.Host.Services.GetRequiredService<IMeterFactory>();
        var totals = new ConcurrentDictionary<string, double>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == EventLogTelemetry.Name && instrument.Meter.Scope == meterFactory)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            totals.AddOrUpdate(instrument.Name, value, (_, sum) => instrument is ObservableGauge<long> ? value : sum + value));
        meters.Start();

        await host.AppendAsync(Events.Numbered("k", 1), Events.Numbered("k", 2), Events.Numbered("k", 3));
        await recorder.WaitForCountAsync(3);
        await WaitUntilAsync(() => totals.GetValueOrDefault("chatplatform.eventlog.events.consumed") >= 3);
        meters.RecordObservableInstruments();

        Assert.Equal(3, totals["chatplatform.eventlog.events.appended"]);
        Assert.Equal(3, totals["chatplatform.eventlog.events.consumed"]);
        Assert.Equal(0, totals["chatplatform.eventlog.consumer.lag"]);
    }

    // The handler returns before the consumer ends its span and counts the event; both follow at once.
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(10, deadline.Token);
        }
    }
}
