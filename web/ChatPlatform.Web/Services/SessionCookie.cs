using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace ChatPlatform.Web.Services;

/// <summary>On each request: end the cookie's session when the gateway refused its refresh, renew it when its tokens changed.</summary>
public static class SessionCookie
{
    /// <summary>Starts a session: a new session id and the gateway's tokens in the data-protected, HttpOnly cookie.</summary>
    public static Task SignInAsync(HttpContext context, AuthTokens tokens, TimeProvider time)
    {
        var sessionId = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var principal = SessionTokens.From(tokens, time.GetUtcNow()).ToPrincipal(sessionId, tokens.User, CookieAuthenticationDefaults.AuthenticationScheme);
        return context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal, new AuthenticationProperties { IsPersistent = true });
    }

    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        if (principal?.FindFirst(SessionTokens.SessionIdClaim)?.Value is not { } sessionId || SessionTokens.FromPrincipal(principal) is not { } fromCookie)
        {
            context.RejectPrincipal();
            return;
        }
        var refresher = context.HttpContext.RequestServices.GetRequiredService<SessionRefresher>();
        SessionTokens? current;
        try
        {
            current = await refresher.CurrentAsync(sessionId, fromCookie, context.HttpContext.RequestAborted);
        }
        catch (GatewayException)
        {
            // The gateway is unreachable: keep the session; the page says the service cannot be reached.
            return;
        }
        if (current is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }
        if (current.RefreshToken != fromCookie.RefreshToken)
        {
            context.ReplacePrincipal(current.WithTokensOf(principal, CookieAuthenticationDefaults.AuthenticationScheme));
            context.ShouldRenew = true;
        }
    }
}
