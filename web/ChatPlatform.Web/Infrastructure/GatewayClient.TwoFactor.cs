using ChatPlatform.Web.Model;

namespace ChatPlatform.Web.Infrastructure;

/// <summary>The caller's two-factor sign-in (<c>/v1/me/two-factor</c>): enrol an authenticator app, or turn it off.</summary>
public sealed partial class GatewayClient
{
    public Task<TwoFactorStatus> GetTwoFactorStatusAsync(CancellationToken cancellationToken) =>
        SendAsync<TwoFactorStatus>(HttpMethod.Get, "/v1/me/two-factor", null, cancellationToken);

    /// <summary>A new secret to enter in the app; it takes effect once <see cref="EnableTwoFactorAsync"/> confirms a code.</summary>
    public Task<TwoFactorSetup> SetupTwoFactorAsync(CancellationToken cancellationToken) =>
        SendAsync<TwoFactorSetup>(HttpMethod.Post, "/v1/me/two-factor/setup", null, cancellationToken);

    /// <summary>Turns it on with a current code; the answer's recovery codes are never shown again.</summary>
    public Task<RecoveryCodes> EnableTwoFactorAsync(string code, CancellationToken cancellationToken) =>
        SendAsync<RecoveryCodes>(HttpMethod.Post, "/v1/me/two-factor/enable", new { code }, cancellationToken);

    public async Task DisableTwoFactorAsync(string password, string code, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(HttpClientName, HttpMethod.Post, "/v1/me/two-factor/disable", new { password, code }, null, cancellationToken);
    }
}
