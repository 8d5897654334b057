namespace ChatPlatform.Chat.Services;

/// <summary>Section <c>Turns</c>: the pace of heartbeats and sweeps, and how long a turn's events stay in Redis.</summary>
public sealed class TurnOptions
{
    public const string SectionName = "Turns";

    /// <summary>How often each instance saves its heartbeat (one row per instance, whatever the number of answers).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often the heartbeat also saves the text of the answers that grew since their last save. The Redis stream holds
    /// every delta for the sweeper; the row's text is the fallback when Redis lost it, so it may lag this much.
    /// </summary>
    public TimeSpan PartialTextInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The answers of an instance without a heartbeat for this long have lost their owner.</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often each instance looks for answers that lost their owner.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Tokens that arrive within this long of the last delta go out together in the next one: the first token is sent at
    /// once and none waits longer than this. Each delta costs every hop (chat, Redis, gateway, the client's renderer);
    /// 30 ms is as often as a screen at 33 frames a second shows them. Zero sends every token as its own delta.
    /// </summary>
    public TimeSpan DeltaWindow { get; set; } = TimeSpan.FromMilliseconds(30);

    /// <summary>How long a turn's events can be resumed from Redis after its last one.</summary>
    public TimeSpan EventsTimeToLive { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The model that names conversations; empty: the conversation's own.</summary>
    public string? TitleModel { get; set; }
}
