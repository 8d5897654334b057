using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ChatPlatform.EventLog;

/// <summary>The event log's ActivitySource and meter, both named "ChatPlatform.EventLog".</summary>
public sealed class EventLogTelemetry
{
    public const string Name = "ChatPlatform.EventLog";

    internal static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _appended;
    private readonly Counter<long> _consumed;
    private readonly Counter<long> _failed;
    private readonly Lock _lock = new();
    private readonly List<Func<Measurement<long>>> _lags = [];

    public EventLogTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Name);
        _appended = meter.CreateCounter<long>("chatplatform.eventlog.events.appended", "{event}", "Events written to the log (a rolled-back transaction's included).");
        _consumed = meter.CreateCounter<long>("chatplatform.eventlog.events.consumed", "{event}", "Events a consumer's handler completed.");
        _failed = meter.CreateCounter<long>("chatplatform.eventlog.events.failed", "{event}", "Handler attempts that threw; the event is retried.");
        meter.CreateObservableGauge("chatplatform.eventlog.consumer.lag", ObserveLags, "{event}",
            "Events appended after a consumer's offset (approximate: rolled-back appends count too).");
    }

    internal void Appended(string type) => _appended.Add(1, new KeyValuePair<string, object?>("chatplatform.event.type", type));

    internal void Consumed(string consumer, string type) =>
        _consumed.Add(1, new("messaging.consumer.group.name", consumer), new("chatplatform.event.type", type));

    internal void Failed(string consumer, string type) =>
        _failed.Add(1, new("messaging.consumer.group.name", consumer), new("chatplatform.event.type", type));

    internal void ObserveLag(Func<Measurement<long>> observe)
    {
        lock (_lock)
        {
            _lags.Add(observe);
        }
    }

    private IEnumerable<Measurement<long>> ObserveLags()
    {
        lock (_lock)
        {
            return _lags.Select(observe => observe()).ToList();
        }
    }
}
