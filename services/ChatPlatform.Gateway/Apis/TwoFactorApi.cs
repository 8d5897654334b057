using System.Security.Claims;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Gateway.Services;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Gateway.Apis;

/// <summary>
/// <c>/v1/me/two-factor</c>: enrol an authenticator app (setup, then enable with a code, which answers the recovery
/// codes once) and turn it off (password and code). Only for an interactive session of the user: never an API key.
/// </summary>
public static class TwoFactorApi
{
    public static IEndpointRouteBuilder MapTwoFactorApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/me/two-factor")
            .RequireAuthorization()
            .RequireInteractiveSession()
            .WithMetadata(new RequestSizeLimitMetadata(AuthApi.MaxBodyBytes));
        group.MapGet("", GetStatusAsync);
        group.MapPost("/setup", SetupAsync);
        group.MapPost("/enable", EnableAsync);
        group.MapPost("/disable", DisableAsync);
        return app;
    }

    public static async Task<Results<Ok<TwoFactorStatus>, UnauthorizedHttpResult>> GetStatusAsync(
        ClaimsPrincipal principal, TwoFactorService twoFactor, CancellationToken cancellationToken) =>
        principal.UserId() is { } id ? TypedResults.Ok(await twoFactor.StatusAsync(id, cancellationToken)) : TypedResults.Unauthorized();

    /// <summary>A new secret, replacing one not yet confirmed; 409 while two-factor is on (turn it off first).</summary>
    public static async Task<Results<Ok<TwoFactorSetup>, ProblemHttpResult>> SetupAsync(
        ClaimsPrincipal principal, UserStore users, TwoFactorService twoFactor, CancellationToken cancellationToken)
    {
        if (principal.UserId() is not { } id || await users.FindByIdAsync(id, cancellationToken) is not { } user)
        {
            return Gone();
        }
        if (user.PasswordHash.Length == 0)
        {
            return Conflict("This account signs in with single sign-on: turn on two-factor sign-in at the identity provider.");
        }
        return await twoFactor.SetupAsync(user, cancellationToken) is { } setup
            ? TypedResults.Ok(setup)
            : Conflict("Two-factor sign-in is already on. Turn it off first to enrol another authenticator.");
    }

    public static async Task<Results<Ok<RecoveryCodes>, ValidationProblem, ProblemHttpResult>> EnableAsync(
        TwoFactorCodeRequest request, ClaimsPrincipal principal, TwoFactorService twoFactor, CancellationToken cancellationToken)
    {
        if (!Totp.IsWellFormed(request.Code?.Trim()))
        {
            return CodeProblem("Enter the 6-digit code your authenticator app shows.");
        }
        if (principal.UserId() is not { } id)
        {
            return Gone();
        }
        var result = await twoFactor.EnableAsync(id, request.Code!.Trim(), cancellationToken);
        return result.Status switch
        {
            TwoFactorEnableStatus.Enabled => TypedResults.Ok(result.Codes!),
            TwoFactorEnableStatus.WrongCode => CodeProblem("The code is not right. Check the time on your device and try the next code."),
            _ => Conflict("There is no authenticator waiting to be confirmed: start with setup."),
        };
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DisableAsync(
        DisableTwoFactorRequest request, ClaimsPrincipal principal, UserStore users, TwoFactorService twoFactor,
        IOptions<AuthOptions> options, HttpContext context, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(request.Password))
        {
            errors["password"] = ["The current password is required."];
        }
        if (string.IsNullOrWhiteSpace(request.Code))
        {
            errors["code"] = ["A code from the authenticator app, or a recovery code, is required."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (principal.UserId() is not { } id || await users.FindByIdAsync(id, cancellationToken) is not { } user)
        {
            return Gone();
        }
        var result = await twoFactor.DisableAsync(user, request.Password!, request.Code!, ClientAddress.Of(context, options.Value), cancellationToken);
        switch (result.Status)
        {
            case TwoFactorDisableStatus.Disabled:
                return TypedResults.NoContent();
            case TwoFactorDisableStatus.NotEnabled:
                return Conflict("Two-factor sign-in is not on.");
            case TwoFactorDisableStatus.RequiredForAdmins:
                return Forbidden("Two-factor sign-in is required for admins here; it cannot be turned off.");
            case TwoFactorDisableStatus.Throttled:
                var seconds = Math.Max(1, (int)Math.Ceiling(result.RetryAfter.TotalSeconds));
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too Many Requests",
                    detail: $"Too many wrong attempts. Try again in {seconds} seconds.");
            default:
                return Forbidden("The password or the code is not right; two-factor sign-in stays on.");
        }
    }

    private static ValidationProblem CodeProblem(string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["code"] = [message] });

    private static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    private static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);

    private static ProblemHttpResult Gone() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "The account no longer exists.");
}
