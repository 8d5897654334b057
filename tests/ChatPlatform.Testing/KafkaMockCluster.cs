using Confluent.Kafka;

namespace ChatPlatform.Testing;

/// <summary>
/// librdkafka's mock cluster: a Kafka-protocol broker inside this process on a loopback port, which any client (this
/// process's or another's) reaches at <see cref="BootstrapServers"/>. It lives as long as the client that created it,
/// creates topics on first use, and keeps everything in memory. No Kafka broker can be installed on these machines.
/// </summary>
public sealed class KafkaMockCluster : IDisposable
{
    private readonly IProducer<Null, Null> _owner;

    private KafkaMockCluster(IProducer<Null, Null> owner, string bootstrapServers)
    {
        _owner = owner;
        BootstrapServers = bootstrapServers;
    }

    /// <summary><c>host:port</c> of the mock broker: the value of <c>ConnectionStrings:kafka</c>.</summary>
    public string BootstrapServers { get; }

    public static KafkaMockCluster Start()
    {
        var owner = new ProducerBuilder<Null, Null>(new ProducerConfig(new Dictionary<string, string> { ["test.mock.num.brokers"] = "1" }))
            .SetLogHandler((_, _) => { })
            .Build();
        try
        {
            // The client's metadata names the mock broker's real loopback address.
            using var admin = new DependentAdminClientBuilder(owner.Handle).Build();
            var broker = admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Single();
            return new KafkaMockCluster(owner, $"{broker.Host}:{broker.Port}");
        }
        catch
        {
            owner.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes <paramref name="topic"/> (the mock cluster creates a topic that a client asks metadata for, with its default
    /// partition count) and returns its partition count. The cluster's CreateTopics would wait forever for a controller.
    /// </summary>
    public int EnsureTopic(string topic)
    {
        using var admin = new DependentAdminClientBuilder(_owner.Handle).Build();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single();
            if (metadata.Error.Code == ErrorCode.NoError && metadata.Partitions.Count > 0)
            {
                return metadata.Partitions.Count;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Topic {topic}: {metadata.Error}");
            }
        }
    }

    /// <summary>
    /// Reads <paramref name="topic"/> from its beginning, without a group, until <paramref name="count"/> messages came
    /// (then any more already there), or throws after <paramref name="timeout"/>; in partition order within each partition.
    /// </summary>
    public IReadOnlyList<ConsumeResult<string, byte[]>> Read(string topic, int count, TimeSpan? timeout = null)
    {
        var partitions = EnsureTopic(topic);
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = "test-reader",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var results = new List<ConsumeResult<string, byte[]>>();
        var atEnd = new HashSet<int>();
        while (results.Count < count || atEnd.Count < partitions)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Topic {topic}: waited for {count} messages, read {results.Count}.");
            }
            if (consumer.Consume(left) is not { } result)
            {
                continue;
            }
            if (result.IsPartitionEOF)
            {
                atEnd.Add(result.Partition.Value);
                continue;
            }
            atEnd.Remove(result.Partition.Value);
            results.Add(result);
        }
        return results;
    }

    /// <summary>Writes one message, acknowledged, as a relay would.</summary>
    public void Produce(string topic, string key, byte[] value)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = BootstrapServers }).SetLogHandler((_, _) => { }).Build();
        producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = value }).GetAwaiter().GetResult();
    }

    public void Dispose() => _owner.Dispose();
}
