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

    internal void Validate(string consumer)
    {
        if (PollInterval <= TimeSpan.Zero || RetryDelay <= TimeSpan.Zero || MaxRetryDelay < RetryDelay || BatchSize is < 1 or > 10_000)
        {
            throw new ArgumentException(
                $"Event consumer {consumer}: PollInterval and RetryDelay must be positive, MaxRetryDelay at least RetryDelay, BatchSize 1 to 10000.");
        }
    }
}
