using System.Diagnostics;

namespace ChatPlatform.EventLog;

/// <summary>
/// Events <see cref="IEventLog.AddTo"/> put in a caller's batch, traced and counted as an <c>AppendAsync</c> is: their span
/// is current from the adding until the batch has run (its round trip traced under it), and <see cref="Written"/>, called
/// once the batch has run, ends it and counts the events, before the caller commits (a transaction rolled back later is
/// counted too). Disposing ends the span without counting, for a batch that failed.
/// </summary>
public readonly struct AddedEvents : IDisposable
{
    private readonly IReadOnlyList<string>? _types;
    private readonly EventLogTelemetry? _telemetry;
    private readonly Activity? _activity;

    internal AddedEvents(IReadOnlyList<string> types, EventLogTelemetry telemetry, Activity? activity)
    {
        _types = types;
        _telemetry = telemetry;
        _activity = activity;
    }

    /// <summary>Once, when the batch has run.</summary>
    public void Written()
    {
        _activity?.Dispose();
        foreach (var type in _types ?? [])
        {
            _telemetry!.Appended(type);
        }
    }

    public void Dispose() => _activity?.Dispose();
}
