using ChatPlatform.Gateway.Model;
using ChatPlatform.Gateway.Services;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Gateway.Apis;

/// <summary>
/// <c>/v1/auth</c>: register, sign in, refresh and sign out. Sign-in answers a wrong email and a wrong password the
/// same way, in about the same time, so it does not reveal which emails have accounts.
/// </summary>
public static class AuthApi
{
    public const long MaxBodyBytes = 64 * 1024;
    private const string InvalidCredentials = "Invalid email or password";

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/auth").WithMetadata(new RequestSizeLimitMetadata(MaxBodyBytes));
        group.MapPost("/register", RegisterAsync);
        group.MapPost("/signin", SignInAsync);
        group.MapPost("/signin/two-factor", SignInTwoFactorAsync);
        group.MapPost("/refresh", RefreshAsync);
        group.MapPost("/signout", SignOutAsync);
        return app;
    }

    public static async Task<Results<Created<AuthTokens>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        RegisterRequest request, AccountService accounts, IOptions<AuthOptions> options, HttpContext context, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var email = AccountRules.NormalizeEmail(request.Email, errors);
        AccountRules.CheckPassword(request.Password, email ?? request.Email?.Trim(), errors);
        if (errors.Count > 0 || email is null)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (await accounts.RegisterAsync(email, request.Password!, ClientAddress.DeviceOf(context, options.Value), cancellationToken) is not { } tokens)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: "The account could not be created with this email.");
        }
        return TypedResults.Created("/v1/me", tokens);
    }

    /// <summary>
    /// Tokens for a right password; for an account with two-factor sign-in, <c>202</c> with a challenge to complete at
    /// <c>/v1/auth/signin/two-factor</c> with a code.
    /// </summary>
    public static async Task<Results<Ok<AuthTokens>, Accepted<TwoFactorChallenge>, ValidationProblem, ProblemHttpResult>> SignInAsync(
        SignInRequest request, AccountService accounts, IOptions<AuthOptions> options, HttpContext context, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(request.Email))
        {
            errors["email"] = ["An email is required."];
        }
        if (string.IsNullOrEmpty(request.Password))
        {
            errors["password"] = ["A password is required."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (request.Password!.Length > AccountRules.MaximumPasswordLength || request.Email!.Length > AccountRules.MaximumEmailLength)
        {
            return Unauthorized(InvalidCredentials);
        }
        var device = ClientAddress.DeviceOf(context, options.Value);
        var result = await accounts.SignInAsync(request.Email.Trim().ToLowerInvariant(), request.Password, device, cancellationToken);
        return result.Status switch
        {
            SignInStatus.Succeeded => TypedResults.Ok(result.Tokens!),
            SignInStatus.TwoFactorRequired => TypedResults.Accepted("/v1/auth/signin/two-factor", result.Challenge!),
            _ => SignInProblem(result, context, InvalidCredentials),
        };
    }

    /// <summary>The second step: the challenge and a code from the authenticator app, or a recovery code (spent by it).</summary>
    public static async Task<Results<Ok<AuthTokens>, ValidationProblem, ProblemHttpResult>> SignInTwoFactorAsync(
        TwoFactorSignInRequest request, AccountService accounts, IOptions<AuthOptions> options, HttpContext context, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(request.Challenge) || request.Challenge.Length > 2048)
        {
            errors["challenge"] = ["The challenge from the sign-in is required."];
        }
        if (string.IsNullOrWhiteSpace(request.Code) || request.Code.Length > 64)
        {
            errors["code"] = ["A code from the authenticator app, or a recovery code, is required."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var result = await accounts.CompleteTwoFactorAsync(request.Challenge!, request.Code!, ClientAddress.DeviceOf(context, options.Value), cancellationToken);
        return result.Status == SignInStatus.Succeeded
            ? TypedResults.Ok(result.Tokens!)
            : SignInProblem(result, context, "The code is not right, or the sign-in expired. Sign in again if it keeps failing.");
    }

    private static ProblemHttpResult SignInProblem(SignInResult result, HttpContext context, string failedDetail)
    {
        switch (result.Status)
        {
            case SignInStatus.Throttled:
                var seconds = Math.Max(1, (int)Math.Ceiling(result.RetryAfter.TotalSeconds));
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests, title: "Too Many Requests",
                    detail: $"Too many failed sign-ins. Try again in {seconds} seconds.");
            case SignInStatus.Disabled:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "This account is disabled.");
            default:
                return Unauthorized(failedDetail);
        }
    }

    public static async Task<Results<Ok<AuthTokens>, ValidationProblem, ProblemHttpResult>> RefreshAsync(
        RefreshRequest request, AccountService accounts, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.RefreshToken) || request.RefreshToken.Length > 512)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["refreshToken"] = ["A refresh token is required."] });
        }
        return await accounts.RefreshAsync(request.RefreshToken, cancellationToken) is { } tokens
            ? TypedResults.Ok(tokens)
            : Unauthorized("The refresh token is not valid.");
    }

    /// <summary>Revokes the token's whole family (every token from that sign-in). Unknown tokens answer the same.</summary>
    public static async Task<Results<NoContent, ValidationProblem>> SignOutAsync(
        RefreshRequest request, AccountService accounts, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.RefreshToken) || request.RefreshToken.Length > 512)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["refreshToken"] = ["A refresh token is required."] });
        }
        await accounts.SignOutAsync(request.RefreshToken, cancellationToken);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult Unauthorized(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail);
}
