namespace ChatPlatform.EventLog.Kafka;

/// <summary>
/// <c>ConnectionStrings:kafka</c> as librdkafka settings: either bootstrap servers (<c>host:port[,host:port]</c>), or an
/// Event Hubs connection string (<c>Endpoint=sb://NAMESPACE.servicebus.windows.net/;SharedAccessKeyName=..;SharedAccessKey=..</c>),
/// which Event Hubs' Kafka endpoint takes as the SASL PLAIN password of user <c>$ConnectionString</c> over TLS on port 9093.
/// </summary>
internal sealed class KafkaConnection
{
    private KafkaConnection(IReadOnlyDictionary<string, string> settings) => Settings = settings;

    public IReadOnlyDictionary<string, string> Settings { get; }

    public string BootstrapServers => Settings["bootstrap.servers"];

    public static KafkaConnection Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var endpoint = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(part => part.StartsWith("Endpoint=", StringComparison.OrdinalIgnoreCase));
        if (endpoint is null)
        {
            return new(new Dictionary<string, string> { ["bootstrap.servers"] = connectionString.Trim() });
        }
        if (!Uri.TryCreate(endpoint["Endpoint=".Length..], UriKind.Absolute, out var uri) || uri.Scheme != "sb")
        {
            throw new FormatException("ConnectionStrings:kafka: an Event Hubs connection string's Endpoint is sb://NAMESPACE.servicebus.windows.net/.");
        }
        return new(new Dictionary<string, string>
        {
            ["bootstrap.servers"] = $"{uri.Host}:9093",
            ["security.protocol"] = "SASL_SSL",
            ["sasl.mechanism"] = "PLAIN",
            ["sasl.username"] = "$ConnectionString",
            ["sasl.password"] = connectionString.Trim(),
        });
    }
}
