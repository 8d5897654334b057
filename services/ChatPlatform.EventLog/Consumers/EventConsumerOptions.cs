namespace ChatPlatform.EventLog;

public sealed class EventConsumerOptions
{
    /// <summary>
    /// How often the consumer looks for events without being notified: the fallback for a lost notification or
    /// a dropped listen connection. Also how often a standby instance tries to take over.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Events read per query; the offset is saved after each batch.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>The first wait before a failed handler is retried; doubles per failure up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a woken consumer waits before it reads, so that one pass takes what several commits appended: each pass
    /// costs a few queries and an offset write, which at hundreds of commits a second is most of the database's work
    /// for a consumer that is not in a hurry. Zero (the default) reads at once.
    /// </summary>
    public TimeSpan WakeDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Set by <c>AddPartitionedEventConsumers</c>: the share of keys this consumer handles; null handles all.</summary>
    public EventPartition? Partition { get; set; }

    /// <summary>The wait after <paramref name="failures"/> failures in a row.</summary>
    internal TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(RetryDelay.Ticks * (1L << Math.Min(failures - 1, 20)), MaxRetryDelay.Ticks));

    internal void Validate(string consumer)
    {
        if (PollInterval <= TimeSpan.Zero || RetryDelay <= TimeSpan.Zero || MaxRetryDelay < RetryDelay || BatchSize is < 1 or > 10_000
            || WakeDelay < TimeSpan.Zero || WakeDelay >= PollInterval || Partition is { IsValid: false })
        {
            throw new ArgumentException(
                $"Event consumer {consumer}: PollInterval and RetryDelay must be positive, MaxRetryDelay at least RetryDelay, BatchSize 1 to 10000, WakeDelay 0 or more and less than PollInterval, a Partition's Index 0 to Count - 1.");
        }
    }
}
