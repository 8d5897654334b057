namespace ChatPlatform.EventLog.Kafka;

/// <summary>
/// <c>ConnectionStrings:kafka</c> as librdkafka settings: either bootstrap servers (<c>host:port[,host:port]</c>), or an
/// Event Hubs connection string (<c>Endpoint=sb://NAMESPACE.servicebus.windows.net/;SharedAccessKeyName=..;SharedAccessKey=..</c>),
/// which Event Hubs' Kafka endpoint takes as the SASL PLAIN password of user <c>$ConnectionString</c> over TLS on port 9093.
/// With <see cref="KafkaAuthentication.AzureManagedIdentity"/> the clients sign in to Event Hubs with an Entra ID token
/// (OAUTHBEARER over TLS) for <see cref="TokenScope"/>, and the connection string names only the namespace.
/// </summary>
internal sealed class KafkaConnection
{
    private const int EventHubsKafkaPort = 9093;

    private KafkaConnection(IReadOnlyDictionary<string, string> settings, string? tokenScope = null)
    {
        Settings = settings;
        TokenScope = tokenScope;
    }

    public IReadOnlyDictionary<string, string> Settings { get; }

    public string BootstrapServers => Settings["bootstrap.servers"];

    /// <summary>The scope of the Entra ID token the clients sign in with (OAUTHBEARER), or null when they use none.</summary>
    public string? TokenScope { get; }

    public static KafkaConnection Parse(string connectionString, KafkaAuthentication authentication = KafkaAuthentication.ConnectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var endpoint = parts.FirstOrDefault(part => part.StartsWith("Endpoint=", StringComparison.OrdinalIgnoreCase));
        return authentication switch
        {
            KafkaAuthentication.AzureManagedIdentity => ForManagedIdentity(connectionString, parts, endpoint),
            _ when endpoint is null => new(new Dictionary<string, string> { ["bootstrap.servers"] = connectionString.Trim() }),
            _ => new(new Dictionary<string, string>
            {
                ["bootstrap.servers"] = $"{EventHubsHost(endpoint)}:{EventHubsKafkaPort}",
                ["security.protocol"] = "SASL_SSL",
                ["sasl.mechanism"] = "PLAIN",
                ["sasl.username"] = "$ConnectionString",
                ["sasl.password"] = connectionString.Trim(),
            }),
        };
    }

    // Bootstrap servers (NAMESPACE.servicebus.windows.net:9093) or a connection string's Endpoint alone: a key as well
    // would mean two ways of signing in, so it is refused rather than silently unused.
    private static KafkaConnection ForManagedIdentity(string connectionString, string[] parts, string? endpoint)
    {
        if (parts.Any(part => part.StartsWith("SharedAccessKey", StringComparison.OrdinalIgnoreCase)))
        {
            throw new FormatException(
                "ConnectionStrings:kafka holds a shared access key, but EventLog:Kafka:Authentication is AzureManagedIdentity: give the namespace only (NAMESPACE.servicebus.windows.net:9093).");
        }
        var bootstrapServers = endpoint is null ? connectionString.Trim() : $"{EventHubsHost(endpoint)}:{EventHubsKafkaPort}";
        var host = bootstrapServers.Split(',')[0].Split(':')[0];
        if (host.Length == 0)
        {
            throw new FormatException("ConnectionStrings:kafka: the Event Hubs namespace's Kafka endpoint is NAMESPACE.servicebus.windows.net:9093.");
        }
        return new(
            new Dictionary<string, string>
            {
                ["bootstrap.servers"] = bootstrapServers,
                ["security.protocol"] = "SASL_SSL",
                ["sasl.mechanism"] = "OAUTHBEARER",
            },
            $"https://{host}/.default");
    }

    private static string EventHubsHost(string endpoint) =>
        Uri.TryCreate(endpoint["Endpoint=".Length..], UriKind.Absolute, out var uri) && uri.Scheme == "sb"
            ? uri.Host
            : throw new FormatException("ConnectionStrings:kafka: an Event Hubs connection string's Endpoint is sb://NAMESPACE.servicebus.windows.net/.");
}
