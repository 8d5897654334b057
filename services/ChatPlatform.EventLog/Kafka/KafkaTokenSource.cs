using Azure.Core;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace ChatPlatform.EventLog.Kafka;

/// <summary>
/// Entra ID tokens for Event Hubs' Kafka endpoint (OAUTHBEARER): librdkafka calls <see cref="Refresh"/> on a client's
/// own thread when it needs a first token and again before the current one expires. In Azure the credential is the
/// app's managed identity (<c>DefaultAzureCredential</c> picks it, the user-assigned one named by <c>AZURE_CLIENT_ID</c>),
/// which holds "Azure Event Hubs Data Sender" and "... Data Receiver" on the namespace.
/// </summary>
internal sealed partial class KafkaTokenSource(TokenCredential credential, string scope, ILogger logger)
{
    // Event Hubs takes the principal from the token itself; librdkafka only insists that the name is not empty.
    private const string PrincipalName = "chatplatform";

    public string Scope => scope;

    /// <summary>The <c>SetOAuthBearerTokenRefreshHandler</c> callback: hands the client a token, or the reason it has none (it retries).</summary>
    public void Refresh(IClient client, string configuration)
    {
        var token = Fetch();
        if (token.Value is { } value)
        {
            client.OAuthBearerSetToken(value, token.ExpiresAtUnixMs, PrincipalName);
        }
        else
        {
            client.OAuthBearerSetTokenFailure(token.Error!);
        }
    }

    /// <summary>A token for the scope, or the error; never throws, since librdkafka's thread calls it.</summary>
    public KafkaToken Fetch(CancellationToken cancellationToken = default)
    {
        try
        {
            var token = credential.GetToken(new TokenRequestContext([scope]), cancellationToken);
            LogTokenAcquired(logger, scope, token.ExpiresOn);
            return new KafkaToken(token.Token, token.ExpiresOn.ToUnixTimeMilliseconds(), null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Azure.Identity's messages name the credential and the cause, never a token or a key.
            LogTokenFailed(logger, e, scope);
            return new KafkaToken(null, 0, $"No Entra ID token for {scope}: {e.GetType().Name}: {e.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kafka: Entra ID token for {Scope} acquired, valid until {ExpiresOn:o}")]
    private static partial void LogTokenAcquired(ILogger logger, string scope, DateTimeOffset expiresOn);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka: no Entra ID token for {Scope}; the client asks again")]
    private static partial void LogTokenFailed(ILogger logger, Exception exception, string scope);
}

/// <summary>A token's value and expiry (Unix milliseconds), or why there is none.</summary>
internal sealed record KafkaToken(string? Value, long ExpiresAtUnixMs, string? Error)
{
    // The token is a bearer credential: it never appears in a log or a failure message.
    public override string ToString() => Value is null ? $"no token ({Error})" : $"a token valid until {DateTimeOffset.FromUnixTimeMilliseconds(ExpiresAtUnixMs):o}";
}
