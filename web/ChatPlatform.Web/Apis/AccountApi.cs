using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Services;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace ChatPlatform.Web.Apis;

/// <summary>
/// <c>POST /account/signout</c>, a form post (with an antiforgery token) from the chat page: revokes the session's
/// refresh tokens at the gateway, forgets them here and clears the cookie. Sign-in and sign-up are the account pages.
/// </summary>
public static partial class AccountApi
{
    public static IEndpointRouteBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/signout", SignOutAsync).WithMetadata(new RequireAntiforgeryTokenAttribute());
        return app;
    }

    public static async Task<IResult> SignOutAsync(
        HttpContext context, SessionTokenStore store, GatewayAuthClient auth, ILoggerFactory loggers)
    {
        var user = context.User;
        if (user.FindFirst(SessionTokens.SessionIdClaim)?.Value is { } sessionId)
        {
            var tokens = store.Find(sessionId) ?? SessionTokens.FromPrincipal(user);
            store.Remove(sessionId);
            if (tokens is not null)
            {
                try
                {
                    await auth.SignOutAsync(tokens.RefreshToken, context.RequestAborted);
                }
                catch (GatewayException e)
                {
                    // The cookie is cleared all the same; the refresh token expires on its own.
                    LogSignOutFailed(loggers.CreateLogger(typeof(AccountApi)), e.Status);
                }
            }
        }
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.LocalRedirect("/signin");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Signing out at the gateway failed ({Status}); the cookie was cleared")]
    private static partial void LogSignOutFailed(ILogger logger, int status);
}
