using ChatPlatform.EventLog.Kafka;
using Microsoft.Extensions.Options;

namespace ChatPlatform.EventLog.Tests.Kafka;

/// <summary>
/// The managed-identity path against the mock cluster, as far as it goes: librdkafka's mock broker has no SASL handshake,
/// so no client signs in to it. What it shows is that a client asks the credential for a token through the refresh
/// callback, takes it (librdkafka tries no SASL sign-in without a valid token) and then tries to sign in with OAUTHBEARER.
/// That Event Hubs accepts the identity's token is what infra/'s role assignments are for, untested here.
/// </summary>
public sealed class KafkaManagedIdentityTests
{
    [Fact]
    public async Task A_client_on_the_managed_identity_takes_the_credentials_token_and_then_signs_in_with_oauthbearer()
    {
        using var kafka = ChatPlatform.Testing.KafkaMockCluster.Start();
        var credential = new FakeTokenCredential();
        var log = new ListLogger<KafkaClients>();
        var tokenLog = new ListLogger<KafkaTokenSource>();
        var connection = KafkaConnection.Parse(kafka.BootstrapServers, KafkaAuthentication.AzureManagedIdentity);
        // The mock broker speaks SASL without TLS: the one setting changed from what Event Hubs gets.
        var options = new KafkaEventLogOptions
        {
            Authentication = KafkaAuthentication.AzureManagedIdentity,
            Client = new() { ["security.protocol"] = "SASL_PLAINTEXT" },
        };
        var clients = new KafkaClients(connection, Options.Create(options), new KafkaTokenSource(credential, connection.TokenScope!, tokenLog), log);

        // The producer polls in the background, which serves the refresh callback.
        using var producer = clients.CreateProducer("kafka-relay");

        var signIn = await log.WaitForLineAsync("required by mechanism OAUTHBEARER");
        Assert.Contains("SASL Handshake not supported by broker", signIn, StringComparison.Ordinal);
        Assert.True(credential.Issued >= 1);
        lock (credential.Requests)
        {
            Assert.All(credential.Requests, scopes => Assert.Equal([$"https://{kafka.BootstrapServers.Split(':')[0]}/.default"], scopes));
        }
        Assert.DoesNotContain("secret-token-", log.Text + tokenLog.Text, StringComparison.Ordinal);
    }
}
