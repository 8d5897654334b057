using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatPlatform.EventLog.Kafka;

/// <summary>
/// Builds the relay's producer and the consumers' clients from the connection string and <see cref="KafkaEventLogOptions"/>;
/// with <paramref name="tokens"/>, they sign in with Entra ID tokens (OAUTHBEARER).
/// </summary>
internal sealed partial class KafkaClients(KafkaConnection connection, IOptions<KafkaEventLogOptions> options, KafkaTokenSource? tokens, ILogger<KafkaClients> logger)
{
    public KafkaEventLogOptions Options => options.Value;

    /// <summary>
    /// Idempotent (no duplicates from its own retries, order kept per partition) and acknowledged by every in-sync
    /// replica. Gapless: a message that fails fails the producer, so no later message of its partition is written
    /// without it (the consumers' duplicate check relies on positions never going back within a partition, but for
    /// a whole replay). Messages never time out (the guarantee does not cover a timeout): with the brokers away the
    /// relay waits, and its instance can still be stopped.
    /// </summary>
    public IProducer<string, byte[]> CreateProducer(string clientId)
    {
        var builder = new ProducerBuilder<string, byte[]>(new ProducerConfig(Settings(clientId))
        {
            EnableIdempotence = true,
            Acks = Acks.All,
            EnableGaplessGuarantee = true,
            MessageTimeoutMs = 0,
            LingerMs = 1,
        })
        .SetLogHandler(Log);
        if (tokens is not null)
        {
            builder.SetOAuthBearerTokenRefreshHandler(tokens.Refresh);
        }
        return builder.Build();
    }

    /// <summary>A consumer of group <paramref name="group"/> that commits, in the background, only the offsets stored after handling.</summary>
    public ConsumerBuilder<string, byte[]> CreateConsumerBuilder(string group)
    {
        var builder = new ConsumerBuilder<string, byte[]>(new ConsumerConfig(Settings(group))
        {
            GroupId = group,
            EnableAutoCommit = true,
            EnableAutoOffsetStore = false,
            AutoCommitIntervalMs = (int)Options.CommitInterval.TotalMilliseconds,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            AllowAutoCreateTopics = true, // where the broker allows it, a consumer that starts first need not wait for the relay
            TopicMetadataRefreshIntervalMs = 10_000, // and where it does not, finds the topic soon after it is made
            SessionTimeoutMs = (int)Options.SessionTimeout.TotalMilliseconds,
            HeartbeatIntervalMs = (int)Math.Max(100, Options.SessionTimeout.TotalMilliseconds / 10),
        })
        .SetLogHandler(Log);
        if (tokens is not null)
        {
            builder.SetOAuthBearerTokenRefreshHandler(tokens.Refresh);
        }
        return builder;
    }

    /// <summary>The librdkafka settings every client of <paramref name="clientId"/> starts from (the connection's, then EventLog:Kafka:Client).</summary>
    internal Dictionary<string, string> Settings(string clientId)
    {
        var settings = new Dictionary<string, string>(connection.Settings, StringComparer.Ordinal);
        foreach (var (name, value) in Options.Client)
        {
            settings[name] = value;
        }
        settings["client.id"] = clientId;
        // What, never with which secret: the bootstrap servers and the way of signing in.
        LogConnecting(logger, clientId, settings["bootstrap.servers"], settings.GetValueOrDefault("sasl.mechanism") ?? "none", Options.Authentication);
        return settings;
    }

    // librdkafka's own log, at its level; its messages carry no secrets (it never logs sasl.password).
    private void Log<TClient>(TClient client, LogMessage message)
    {
        var level = message.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        LogClient(logger, level, message.Name, message.Facility, message.Message);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka client {ClientId} connects to {BootstrapServers} (SASL {Mechanism}, authentication {Authentication})")]
    private static partial void LogConnecting(ILogger logger, string clientId, string bootstrapServers, string mechanism, KafkaAuthentication authentication);

    [LoggerMessage(Message = "librdkafka {Client} {Facility}: {Message}")]
    private static partial void LogClient(ILogger logger, LogLevel level, string client, string facility, string message);
}

