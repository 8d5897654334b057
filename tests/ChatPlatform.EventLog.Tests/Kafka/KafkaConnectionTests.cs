using ChatPlatform.EventLog.Kafka;

namespace ChatPlatform.EventLog.Tests.Kafka;

public sealed class KafkaConnectionTests
{
    [Fact]
    public void Bootstrap_servers_are_taken_as_they_are()
    {
        var connection = KafkaConnection.Parse("broker-1:9092,broker-2:9092");

        Assert.Equal("broker-1:9092,broker-2:9092", connection.BootstrapServers);
        Assert.Single(connection.Settings);
    }

    [Fact]
    public void An_event_hubs_connection_string_becomes_its_kafka_endpoint_with_sasl_plain_over_tls()
    {
        const string connectionString = "Endpoint=sb://chatplatform.servicebus.windows.net/;SharedAccessKeyName=relay;SharedAccessKey=c2VjcmV0";

        var connection = KafkaConnection.Parse(connectionString);

        Assert.Equal("chatplatform.servicebus.windows.net:9093", connection.BootstrapServers);
        Assert.Equal("SASL_SSL", connection.Settings["security.protocol"]);
        Assert.Equal("PLAIN", connection.Settings["sasl.mechanism"]);
        Assert.Equal("$ConnectionString", connection.Settings["sasl.username"]);
        Assert.Equal(connectionString, connection.Settings["sasl.password"]);
    }

    [Fact]
    public void An_event_hubs_connection_string_without_an_sb_endpoint_is_refused()
    {
        Assert.Throws<FormatException>(() => KafkaConnection.Parse("Endpoint=https://chatplatform.servicebus.windows.net/;SharedAccessKey=x"));
    }
}
