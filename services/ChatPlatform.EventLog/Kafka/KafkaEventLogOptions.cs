using System.ComponentModel.DataAnnotations;

namespace ChatPlatform.EventLog.Kafka;

/// <summary>
/// The Kafka path, used when <c>ConnectionStrings:kafka</c> (the bootstrap servers) is set: section <c>EventLog:Kafka</c>.
/// </summary>
public sealed class KafkaEventLogOptions
{
    public const string SectionName = "EventLog:Kafka";

    /// <summary>
    /// The one topic every event goes to. One topic, not one per event type, keeps one key's events of every type in the
    /// order they were committed (a conversation's creation before its messages), which every consumer relies on.
    /// It is provisioned (infra/, with its partition count: the most instances one consumer group spreads over), or
    /// made by a broker that creates topics on first use.
    /// </summary>
    [Required, RegularExpression("^[a-zA-Z0-9._-]{1,249}$")]
    public string Topic { get; set; } = "chatplatform-events";

    /// <summary>
    /// How the clients sign in. <see cref="KafkaAuthentication.ConnectionString"/>: as <c>ConnectionStrings:kafka</c> says
    /// (bootstrap servers as they are, or an Event Hubs connection string's key over SASL PLAIN).
    /// <see cref="KafkaAuthentication.AzureManagedIdentity"/>: Event Hubs with an Entra ID token of the app's identity
    /// (OAUTHBEARER), no key anywhere.
    /// </summary>
    public KafkaAuthentication Authentication { get; set; } = KafkaAuthentication.ConnectionString;

    /// <summary>Events the relay reads and publishes per round; it saves its position after each round is acknowledged.</summary>
    [Range(1, 10_000)]
    public int RelayBatchSize { get; set; } = 500;

    /// <summary>How often a consumer commits the offsets of the events it handled; a crash delivers up to this much again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A consumer silent this long leaves its group and its partitions move to the others.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// Further librdkafka settings for every client, e.g. <c>security.protocol</c>, <c>sasl.mechanism</c>,
    /// <c>sasl.username</c> and <c>sasl.password</c> for Event Hubs' Kafka endpoint.
    /// </summary>
    public Dictionary<string, string> Client { get; set; } = [];
}

/// <summary>How the Kafka clients sign in (see <see cref="KafkaEventLogOptions.Authentication"/>).</summary>
public enum KafkaAuthentication
{
    ConnectionString,
    AzureManagedIdentity,
}
