using System.Security.Claims;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Gateway.Services;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Gateway.Apis;

/// <summary><c>/v1/me</c>: the signed-in user, by access token or API key; deleting the account takes a signed-in session.</summary>
public static class MeApi
{
    public static IEndpointRouteBuilder MapMeApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/me", GetMeAsync).RequireAuthorization();
        app.MapDelete("/v1/me", DeleteMeAsync)
            .RequireAuthorization()
            .RequireInteractiveSession()
            .WithMetadata(new RequestSizeLimitMetadata(AuthApi.MaxBodyBytes));
        return app;
    }

    public static async Task<Results<Ok<UserInfo>, UnauthorizedHttpResult>> GetMeAsync(
        ClaimsPrincipal principal, UserStore users, CancellationToken cancellationToken) =>
        principal.UserId() is { } id && await users.FindByIdAsync(id, cancellationToken) is { } user
            ? TypedResults.Ok(user.ToInfo())
            : TypedResults.Unauthorized();

    /// <summary>
    /// Deletes the account: <c>204</c> once its identity is gone and <c>account.deleted</c> is committed; the services
    /// delete the rest from that event. Every session of the account stops working at once.
    /// </summary>
    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteMeAsync(
        [FromBody] DeleteAccountRequest? request, ClaimsPrincipal principal, AccountDeletion deletion, IOptions<AuthOptions> options,
        HttpContext context, CancellationToken cancellationToken)
    {
        var result = await deletion.DeleteAsync(principal, request?.Password, ClientAddress.Of(context, options.Value), cancellationToken);
        switch (result.Status)
        {
            case AccountDeletionStatus.Deleted:
                return TypedResults.NoContent();
            case AccountDeletionStatus.PasswordRequired:
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["password"] = ["The current password is required to delete the account."],
                });
            case AccountDeletionStatus.WrongPassword:
                return Forbidden("The password is not right; the account was not deleted.");
            case AccountDeletionStatus.SignInAgain:
                return Forbidden($"Sign in again at your identity provider (within {AccountDeletion.RecentSignIn.TotalMinutes:0} minutes) to delete the account.");
            case AccountDeletionStatus.Throttled:
                var seconds = Math.Max(1, (int)Math.Ceiling(result.RetryAfter.TotalSeconds));
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too Many Requests",
                    detail: $"Too many wrong passwords. Try again in {seconds} seconds.");
            default:
                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "The account no longer exists.");
        }
    }

    private static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);
}
