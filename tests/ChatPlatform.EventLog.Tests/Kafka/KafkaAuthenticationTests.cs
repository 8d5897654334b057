using ChatPlatform.EventLog.Kafka;
using Microsoft.Extensions.Options;

namespace ChatPlatform.EventLog.Tests.Kafka;

/// <summary>
/// Which librdkafka settings each way of signing in produces (EventLog:Kafka:Authentication), and that neither the
/// shared access key nor a token reaches the log.
/// </summary>
public sealed class KafkaAuthenticationTests
{
    private const string SharedAccessKey = "c2VjcmV0LXNoYXJlZC1hY2Nlc3Mta2V5";
    private const string EventHubsConnectionString =
        $"Endpoint=sb://chatplatform.servicebus.windows.net/;SharedAccessKeyName=apps;SharedAccessKey={SharedAccessKey}";

    [Fact]
    public void Bootstrap_servers_alone_give_a_client_nothing_but_them()
    {
        var (clients, _) = Clients("broker-1:9092", KafkaAuthentication.ConnectionString);

        Assert.Equal(
            new Dictionary<string, string> { ["bootstrap.servers"] = "broker-1:9092", ["client.id"] = "billing" },
            clients.Settings("billing"));
    }

    [Fact]
    public void An_event_hubs_connection_string_signs_in_with_its_key_over_sasl_plain_and_the_key_is_never_logged()
    {
        var (clients, log) = Clients(EventHubsConnectionString, KafkaAuthentication.ConnectionString);

        var settings = clients.Settings("kafka-relay");

        Assert.Equal("chatplatform.servicebus.windows.net:9093", settings["bootstrap.servers"]);
        Assert.Equal("SASL_SSL", settings["security.protocol"]);
        Assert.Equal("PLAIN", settings["sasl.mechanism"]);
        Assert.Equal("$ConnectionString", settings["sasl.username"]);
        Assert.Equal(EventHubsConnectionString, settings["sasl.password"]);
        Assert.Contains("chatplatform.servicebus.windows.net:9093 (SASL PLAIN, authentication ConnectionString)", log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(SharedAccessKey, log.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("chatplatform.servicebus.windows.net:9093")]
    [InlineData("Endpoint=sb://chatplatform.servicebus.windows.net/")]
    public void The_managed_identity_signs_in_with_oauthbearer_for_the_namespace_and_no_password(string connectionString)
    {
        var (clients, log) = Clients(connectionString, KafkaAuthentication.AzureManagedIdentity);

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["bootstrap.servers"] = "chatplatform.servicebus.windows.net:9093",
                ["security.protocol"] = "SASL_SSL",
                ["sasl.mechanism"] = "OAUTHBEARER",
                ["client.id"] = "billing",
            },
            clients.Settings("billing"));
        Assert.Equal("https://chatplatform.servicebus.windows.net/.default", KafkaConnection.Parse(connectionString, KafkaAuthentication.AzureManagedIdentity).TokenScope);
        Assert.Contains("(SASL OAUTHBEARER, authentication AzureManagedIdentity)", log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shared_access_key_with_the_managed_identity_is_refused_rather_than_left_unused()
    {
        var e = Assert.Throws<FormatException>(() => KafkaConnection.Parse(EventHubsConnectionString, KafkaAuthentication.AzureManagedIdentity));

        Assert.DoesNotContain(SharedAccessKey, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_under_EventLog_Kafka_Client_override_the_connections()
    {
        var (clients, _) = Clients(
            "chatplatform.servicebus.windows.net:9093",
            KafkaAuthentication.AzureManagedIdentity,
            new() { ["security.protocol"] = "SASL_PLAINTEXT" });

        Assert.Equal("SASL_PLAINTEXT", clients.Settings("billing")["security.protocol"]);
    }

    [Fact]
    public void The_token_source_asks_for_the_namespace_scope_and_hands_librdkafka_the_token_and_its_expiry_without_logging_it()
    {
        var credential = new FakeTokenCredential(TimeSpan.FromMinutes(30));
        var log = new ListLogger<KafkaTokenSource>();
        var source = new KafkaTokenSource(credential, "https://chatplatform.servicebus.windows.net/.default", log);
        var before = DateTimeOffset.UtcNow;

        var token = source.Fetch(TestContext.Current.CancellationToken);

        Assert.Equal(FakeTokenCredential.TokenValue(1), token.Value);
        Assert.Null(token.Error);
        Assert.InRange(DateTimeOffset.FromUnixTimeMilliseconds(token.ExpiresAtUnixMs), before.AddMinutes(29), DateTimeOffset.UtcNow.AddMinutes(31));
        Assert.Equal(["https://chatplatform.servicebus.windows.net/.default"], Assert.Single(credential.Requests));
        Assert.Contains("acquired", log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Value!, log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Value!, token.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_credential_that_fails_gives_librdkafka_the_reason_instead_of_throwing_on_its_thread()
    {
        var credential = new FakeTokenCredential { Fail = true };
        var log = new ListLogger<KafkaTokenSource>();
        var source = new KafkaTokenSource(credential, "https://chatplatform.servicebus.windows.net/.default", log);

        var token = source.Fetch(TestContext.Current.CancellationToken);

        Assert.Null(token.Value);
        Assert.Contains("CredentialUnavailableException", token.Error, StringComparison.Ordinal);
        Assert.Contains("no managed identity endpoint", token.Error, StringComparison.Ordinal);
        Assert.Contains("Warning: Kafka: no Entra ID token for https://chatplatform.servicebus.windows.net/.default", log.Text, StringComparison.Ordinal);
    }

    private static (KafkaClients Clients, ListLogger<KafkaClients> Log) Clients(
        string connectionString, KafkaAuthentication authentication, Dictionary<string, string>? client = null)
    {
        var options = new KafkaEventLogOptions { Authentication = authentication, Client = client ?? [] };
        var log = new ListLogger<KafkaClients>();
        return (new KafkaClients(KafkaConnection.Parse(connectionString, authentication), Options.Create(options), tokens: null, log), log);
    }
}
