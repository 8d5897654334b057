using System.Security.Claims;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// Routes that manage credentials or the account answer only to an interactive session (an access token), never to an
/// API key: a leaked key must not be able to mint keys that outlive it, list them or revoke the owner's.
/// </summary>
public static class InteractiveSession
{
    public const string Detail = "This route needs a signed-in session (an access token); API keys cannot manage keys, sessions or the account.";

    public static TBuilder RequireInteractiveSession<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) => IsApiKey(context.HttpContext.User)
            ? TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: Detail)
            : await next(context));

    public static bool IsApiKey(ClaimsPrincipal user) =>
        user.Identities.Any(identity => identity.IsAuthenticated && identity.AuthenticationType == ApiKeyAuthenticationHandler.SchemeName);
}
