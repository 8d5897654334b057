using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ChatPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

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
        using var listener = ListenToSpans(stopped);
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

    [Fact]
    public async Task Events_added_to_a_callers_batch_are_traced_and_counted_once_it_has_run()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = ListenToSpans(stopped);
        var connectionString = await postgres.CreateDatabaseAsync(Cancellation);
        await using var host = await TestHost.StartProducerAsync(connectionString);
        var meterFactory = host.Host.Services.GetRequiredService<IMeterFactory>();
        var appended = 0L;
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == meterFactory && instrument.Name == "chatplatform.eventlog.events.appended")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref appended, value));
        meters.Start();

        await using var connection = await host.DataSource.OpenConnectionAsync(Cancellation);
        await using var transaction = await connection.BeginTransactionAsync(Cancellation);
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { new("SELECT 1") } };
        ActivityTraceId traceId;
        using (var request = Requests.StartActivity("request"))
        {
            traceId = request!.TraceId;
            using var added = host.EventLog.AddTo(batch, [Events.Numbered("k", 1), Events.Numbered("k", 2)]);
            Assert.Equal(0, Interlocked.Read(ref appended));
            await batch.ExecuteNonQueryAsync(Cancellation);
            added.Written();
        }
        await transaction.CommitAsync(Cancellation);

        Assert.Equal(2, Interlocked.Read(ref appended));
        var append = Assert.Single(stopped, a => a.TraceId == traceId && a.Kind == ActivityKind.Producer);
        Assert.Equal(2, append.GetTagItem("messaging.batch.message_count"));
        await using var read = host.DataSource.CreateCommand("SELECT DISTINCT trace_parent FROM events.events");
        Assert.Equal(append.Id, await read.ExecuteScalarAsync(Cancellation));
    }

    /// <summary>Collects the spans of the event log and of the test's "requests" as they stop.</summary>
    private static ActivityListener ListenToSpans(ConcurrentQueue<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is EventLogTelemetry.Name or RequestsName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
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
