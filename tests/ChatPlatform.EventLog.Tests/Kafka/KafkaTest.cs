using System.Text.Json;
using ChatPlatform.Testing;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace ChatPlatform.EventLog.Tests.Kafka;

/// <summary>Puts a test host's event log on a mock Kafka cluster, with timings short enough for tests.</summary>
internal static class KafkaTest
{
    public const string Topic = "test-events";

    /// <summary>A mock cluster with the topic already made (with several partitions), as it would be provisioned.</summary>
    public static KafkaMockCluster StartCluster()
    {
        var cluster = KafkaMockCluster.Start();
        Assert.True(cluster.EnsureTopic(Topic) > 1, "the mock cluster makes topics of one partition: per-key order goes untested");
        return cluster;
    }

    public static Action<HostApplicationBuilder> On(KafkaMockCluster cluster) => builder =>
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = cluster.BootstrapServers,
            ["EventLog:Kafka:Topic"] = Topic,
            ["EventLog:Kafka:SessionTimeout"] = "00:00:06",
            ["EventLog:Kafka:CommitInterval"] = "00:00:00.100",
        });
    };

    public static EventRecord Event(this ConsumeResult<string, byte[]> result) =>
        JsonSerializer.Deserialize<EventRecord>(result.Message.Value, JsonSerializerOptions.Web)!;
}
