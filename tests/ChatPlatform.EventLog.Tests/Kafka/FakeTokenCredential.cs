using Azure.Core;
using Azure.Identity;

namespace ChatPlatform.EventLog.Tests.Kafka;

/// <summary>A credential that hands out numbered tokens (or fails while <see cref="Fail"/> is set) and records the scopes asked for.</summary>
internal sealed class FakeTokenCredential(TimeSpan lifetime) : TokenCredential
{
    private int _issued;

    public FakeTokenCredential()
        : this(TimeSpan.FromHours(1))
    {
    }

    public bool Fail { get; set; }

    public List<string[]> Requests { get; } = [];

    public int Issued => Volatile.Read(ref _issued);

    public static string TokenValue(int number) => $"secret-token-{number}";

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        lock (Requests)
        {
            Requests.Add(requestContext.Scopes);
        }
        if (Fail)
        {
            throw new CredentialUnavailableException("ManagedIdentityCredential authentication unavailable: no managed identity endpoint found.");
        }
        return new AccessToken(TokenValue(Interlocked.Increment(ref _issued)), DateTimeOffset.UtcNow + lifetime);
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
