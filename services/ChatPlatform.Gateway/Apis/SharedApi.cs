using System.Text.RegularExpressions;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Services;

namespace ChatPlatform.Gateway.Apis;

/// <summary>
/// Shared conversations (docs/conversations.md, Sharing). <c>GET /v1/shared/{shareId}</c> is the one route an anonymous
/// caller reaches beyond sign-in: one path segment of share-id characters, forwarded to chat as the viewer (or, signed
/// out, as a service acting for nobody), and counted per client address against enumeration. The owner's
/// <c>/v1/shares/**</c> and continuing a share need a session, like the conversations.
/// </summary>
public static partial class SharedApi
{
    public static IEndpointRouteBuilder MapSharedApi(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/v1/shares/{**path}", [HttpMethods.Get, HttpMethods.Patch, HttpMethods.Delete], ToChat)
            .RequireAuthorization()
            .WithMetadata(new RequestSizeLimitMetadata(ForwardingApi.ConversationBodyLimit));
        app.MapGet("/v1/shared/{shareId}", ReadSharedAsync).AllowAnonymous();
        app.MapPost("/v1/shared/{shareId}/continue", ToChat).RequireAuthorization();
        return app;
    }

    private static async Task ReadSharedAsync(
        string shareId, HttpContext context, SharedReadLimiter limiter, UpstreamForwarder forwarder, IProblemDetailsService problems)
    {
        var decision = await limiter.AcquireAsync(context);
        RateLimitHeaders.Apply(context.Response.Headers, decision);
        if (!decision.Admitted)
        {
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too Many Requests", Detail = RateLimitHeaders.Describe(decision) },
            });
            return;
        }
        // Anything else is no share: answered here as chat answers an unknown one, and never forwarded for nobody.
        if (!ShareIdShape().IsMatch(shareId))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = { Status = StatusCodes.Status404NotFound } });
            return;
        }
        await forwarder.ForwardAsync(context, Upstreams.Chat, forNobody: true);
    }

    private static Task ToChat(HttpContext context, UpstreamForwarder forwarder) => forwarder.ForwardAsync(context, Upstreams.Chat);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex ShareIdShape();
}
