using System.Security.Claims;
using ChatPlatform.Web.Infrastructure;
using Microsoft.AspNetCore.Components.Authorization;

namespace ChatPlatform.Web.Services;

/// <summary>The signed-in person of this circuit (or request) and their current access token.</summary>
public sealed class UserSession(AuthenticationStateProvider authentication, SessionRefresher refresher)
{
    public async Task<ClaimsPrincipal> UserAsync() => (await authentication.GetAuthenticationStateAsync()).User;

    /// <exception cref="GatewayException">401 when the session has ended; 0 when the gateway cannot be reached.</exception>
    public async Task<string> AccessTokenAsync(CancellationToken cancellationToken) =>
        await AccessTokenAsync(await UserAsync(), refresher, cancellationToken);

    /// <summary>The access token of a request's cookie principal (endpoints outside a circuit have no authentication state provider).</summary>
    /// <exception cref="GatewayException">401 when the session has ended; 0 when the gateway cannot be reached.</exception>
    public static async Task<string> AccessTokenAsync(ClaimsPrincipal user, SessionRefresher refresher, CancellationToken cancellationToken)
    {
        if (user.FindFirst(SessionTokens.SessionIdClaim)?.Value is not { } sessionId || SessionTokens.FromPrincipal(user) is not { } fromCookie)
        {
            throw new GatewayException(401, "Sign in to continue.");
        }
        var tokens = await refresher.CurrentAsync(sessionId, fromCookie, cancellationToken)
            ?? throw new GatewayException(401, "Your session has ended. Sign in again.");
        return tokens.AccessToken;
    }
}
