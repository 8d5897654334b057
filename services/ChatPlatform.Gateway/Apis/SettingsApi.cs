using System.Security.Claims;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Gateway.Services;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Gateway.Apis;

/// <summary>
/// The signed-in user's own account: <c>GET/PUT /v1/me/settings</c> (preferences the web app applies on every device),
/// <c>PATCH /v1/me</c> (the profile's name) and <c>POST /v1/me/password</c>. Interactive sessions only, like
/// <see cref="ApiKeysApi"/>: an API key answers 403.
/// </summary>
public static class SettingsApi
{
    /// <summary>Room for the longest system prompt with every character escaped in JSON.</summary>
    public const long MaxSettingsBodyBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapSettingsApi(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/v1/me").RequireAuthorization().RequireInteractiveSession();
        me.MapGet("/settings", GetSettingsAsync);
        me.MapPut("/settings", PutSettingsAsync).WithMetadata(new RequestSizeLimitMetadata(MaxSettingsBodyBytes));
        me.MapPatch("/", PatchProfileAsync).WithMetadata(new RequestSizeLimitMetadata(AuthApi.MaxBodyBytes));
        me.MapPost("/password", ChangePasswordAsync).WithMetadata(new RequestSizeLimitMetadata(AuthApi.MaxBodyBytes));
        return app;
    }

    public static async Task<Ok<UserSettings>> GetSettingsAsync(ClaimsPrincipal user, UserSettingsStore settings, CancellationToken cancellationToken) =>
        TypedResults.Ok(await settings.GetAsync(user.UserId()!.Value, cancellationToken));

    /// <summary>Replaces the preferences; an unknown default model is a 400, the router out of reach a 503.</summary>
    public static async Task<Results<Ok<UserSettings>, ValidationProblem, ProblemHttpResult>> PutSettingsAsync(
        UpdateSettingsRequest request, ClaimsPrincipal user, UserSettingsStore settings, ModelCatalog models, CancellationToken cancellationToken)
    {
        var userId = user.UserId()!.Value;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var wanted = SettingsRules.Preferences(request, await settings.GetAsync(userId, cancellationToken), errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (wanted.DefaultModel is { } model)
        {
            switch (await models.CheckAsync(user, model, cancellationToken))
            {
                case ModelCheck.Unknown:
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                    {
                        ["defaultModel"] = [$"The model '{model}' is not one you can use."],
                    });
                case ModelCheck.Unavailable:
                    return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable",
                        detail: "The model catalog cannot be reached to check the default model; nothing was changed. Try again shortly.");
            }
        }
        return TypedResults.Ok(await settings.SavePreferencesAsync(userId, wanted, cancellationToken));
    }

    /// <summary>Sets the profile's name (an empty one clears it); answers the settings, which carry it.</summary>
    public static async Task<Results<Ok<UserSettings>, ValidationProblem>> PatchProfileAsync(
        UpdateProfileRequest request, ClaimsPrincipal user, UserSettingsStore settings, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var name = SettingsRules.DisplayName(request.DisplayName, errors);
        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors)
            : TypedResults.Ok(await settings.SaveDisplayNameAsync(user.UserId()!.Value, name, cancellationToken));
    }

    /// <summary>Changes the password and signs out every other session; this one stays signed in.</summary>
    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePasswordAsync(
        ChangePasswordRequest request, ClaimsPrincipal user, PasswordChange change, IOptions<AuthOptions> options, HttpContext context,
        CancellationToken cancellationToken)
    {
        var result = await change.ChangeAsync(user, request, ClientAddress.Of(context, options.Value), cancellationToken);
        switch (result.Status)
        {
            case PasswordChangeStatus.Changed:
                return TypedResults.NoContent();
            case PasswordChangeStatus.Invalid:
                return TypedResults.ValidationProblem(result.Errors!);
            case PasswordChangeStatus.NoPassword:
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad Request",
                    detail: "This account signs in at its identity provider and has no password here.");
            case PasswordChangeStatus.WrongPassword:
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                    detail: "The current password is not right; the password was not changed.");
            case PasswordChangeStatus.Throttled:
                var seconds = Math.Max(1, (int)Math.Ceiling(result.RetryAfter.TotalSeconds));
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too Many Requests",
                    detail: $"Too many wrong passwords. Try again in {seconds} seconds.");
            default:
                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "The account no longer exists.");
        }
    }
}
