using System.Security.Claims;

namespace ChatPlatform.Gateway.Services;

/// <summary>
/// <c>Auth:RequireTwoFactorForAdmins</c>: a token marked enrol-only (an admin without two-factor) reaches only
/// <c>GET /v1/me</c>, <c>/v1/me/two-factor</c> and <c>/v1/auth</c>; everything else answers 403 until the admin has
/// enrolled (checked then, so enrolling works at once, before the token is refreshed).
/// </summary>
public sealed class TwoFactorEnrolmentGate(RequestDelegate next)
{
    public const string Required = "required";
    public const string Detail = "Admins must turn on two-factor sign-in first: POST /v1/me/two-factor/setup, then /v1/me/two-factor/enable with a code.";

    public async Task InvokeAsync(HttpContext context, TwoFactorService twoFactor, IProblemDetailsService problems)
    {
        if (context.User.FindFirstValue(GatewayClaims.TwoFactorEnrolment) != Required || Allowed(context.Request)
            || context.User.UserId() is not { } userId || await twoFactor.IsEnabledAsync(userId, context.RequestAborted))
        {
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = StatusCodes.Status403Forbidden, Title = "Two-factor sign-in required", Detail = Detail },
        });
    }

    private static bool Allowed(HttpRequest request) =>
        request.Path.StartsWithSegments("/v1/me/two-factor") || request.Path.StartsWithSegments("/v1/auth")
        || (request.Path.Equals("/v1/me", StringComparison.Ordinal) && HttpMethods.IsGet(request.Method))
        || request.Path.StartsWithSegments("/health") || request.Path.StartsWithSegments("/alive");
}
