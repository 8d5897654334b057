using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace ChatPlatform.Gateway.Services;

/// <summary>Endpoint metadata: the endpoint starts a model turn, so it also counts against the "turns" limit.</summary>
public sealed class StartsTurnMetadata
{
    public static readonly StartsTurnMetadata Instance = new();
}

/// <summary>
/// Counts every authenticated call against its user's limits (after authorization, so refused calls do not count) and
/// answers 429 problem details with Retry-After once over; RateLimit-* headers go on every counted answer.
/// </summary>
public sealed class UserRateLimitMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, UserRateLimiter limiter, IProblemDetailsService problems)
    {
        // Only calls to endpoints that require a user count: health probes and sign-in are not API calls of a user.
        if (context.GetEndpoint() is not { } endpoint || endpoint.Metadata.GetMetadata<IAuthorizeData>() is null
            || context.User.UserId() is not { } userId)
        {
            await next(context);
            return;
        }
        var startsTurn = endpoint.Metadata.GetMetadata<StartsTurnMetadata>() is not null;
        var decision = await limiter.AcquireAsync(userId, context.User.FindFirstValue(GatewayClaims.Tier), startsTurn);
        RateLimitHeaders.Apply(context.Response.Headers, decision);
        if (decision.Admitted)
        {
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too Many Requests",
                Detail = RateLimitHeaders.Describe(decision),
            },
        });
    }
}
