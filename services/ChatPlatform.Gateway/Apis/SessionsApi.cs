using System.Security.Claims;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Gateway.Services;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Gateway.Apis;

/// <summary>
/// <c>/v1/me/sessions</c>: where the user is signed in (each sign-in's refresh-token family), signing one out or all the
/// others. Interactive sessions only: an API key answers 403. Someone else's session answers 404, like an unknown one.
/// </summary>
public static class SessionsApi
{
    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/me/sessions")
            .RequireAuthorization()
            .RequireInteractiveSession()
            .WithMetadata(new RequestSizeLimitMetadata(AuthApi.MaxBodyBytes));
        group.MapGet("/", ListAsync);
        group.MapDelete("/{id:guid}", RevokeAsync);
        group.MapPost("/revoke-others", RevokeOthersAsync);
        return app;
    }

    public static async Task<Ok<IReadOnlyList<SessionInfo>>> ListAsync(
        ClaimsPrincipal user, AccountSessions sessions, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sessions.ListAsync(user, cancellationToken));

    public static async Task<Results<NoContent, NotFound>> RevokeAsync(
        Guid id, ClaimsPrincipal user, AccountSessions sessions, CancellationToken cancellationToken) =>
        await sessions.RevokeAsync(user, id, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static async Task<Ok<RevokedSessionsCount>> RevokeOthersAsync(
        ClaimsPrincipal user, AccountSessions sessions, CancellationToken cancellationToken) =>
        TypedResults.Ok(new RevokedSessionsCount(await sessions.RevokeOthersAsync(user, cancellationToken)));
}
