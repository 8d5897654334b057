using System.Diagnostics.Metrics;
using ChatPlatform.Chat.Model;

namespace ChatPlatform.Chat.Services;

/// <summary>The turns' meter, "ChatPlatform.Chat": how many run, how they end, how soon the first token comes.</summary>
public sealed class TurnTelemetry
{
    public const string Name = "ChatPlatform.Chat";

    private readonly UpDownCounter<long> _active;
    private readonly Counter<long> _finished;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Counter<long> _interrupted;

    public TurnTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Name);
        _active = meter.CreateUpDownCounter<long>("chatplatform.chat.turns.active", "{turn}", "Turns this instance is generating.");
        _finished = meter.CreateCounter<long>("chatplatform.chat.turns.finished", "{turn}", "Turns ended by their owner, by status.");
        _timeToFirstToken = meter.CreateHistogram<double>("chatplatform.chat.turns.time_to_first_token", "s",
            "From the turn's start on this instance to its first text delta.");
        _interrupted = meter.CreateCounter<long>("chatplatform.chat.turns.swept", "{turn}", "Turns whose owner died, marked interrupted by a sweeper.");
    }

    public void Started() => _active.Add(1);

    public void FirstToken(TimeSpan elapsed) => _timeToFirstToken.Record(elapsed.TotalSeconds);

    public void Finished(MessageStatus status)
    {
        _active.Add(-1);
        _finished.Add(1, new KeyValuePair<string, object?>("chatplatform.message.status", status.ToString().ToLowerInvariant()));
    }

    public void Swept() => _interrupted.Add(1);
}
