using System.Security.Claims;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Gateway.Services;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Gateway.Apis;

/// <summary><c>/v1/me</c>: the signed-in user, by access token or API key.</summary>
public static class MeApi
{
    public static IEndpointRouteBuilder MapMeApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/me", GetMeAsync).RequireAuthorization();
        return app;
    }

    public static async Task<Results<Ok<UserInfo>, UnauthorizedHttpResult>> GetMeAsync(
        ClaimsPrincipal principal, UserStore users, CancellationToken cancellationToken) =>
        principal.UserId() is { } id && await users.FindByIdAsync(id, cancellationToken) is { } user
            ? TypedResults.Ok(user.ToInfo())
            : TypedResults.Unauthorized();
}
