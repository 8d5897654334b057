using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Services;

namespace ChatPlatform.Gateway.Apis;

/// <summary><c>/v1/ws</c>: turns over one WebSocket (docs/turns.md), for clients that prefer it to SSE.</summary>
public static class WebSocketApi
{
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(20);

    public static IEndpointRouteBuilder MapWebSocketApi(this IEndpointRouteBuilder app)
    {
        app.Map("/v1/ws", ConnectAsync).RequireAuthorization();
        return app;
    }

    private static async Task ConnectAsync(
        HttpContext context, UpstreamClient upstream, UserRateLimiter limiter, IProblemDetailsService problems, ILoggerFactory loggers)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = StatusCodes.Status400BadRequest, Title = "Bad Request", Detail = "/v1/ws takes WebSocket upgrade requests only." },
            });
            return;
        }
        // Pings keep idle connections open through proxies and detect dead peers.
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = KeepAliveInterval,
            KeepAliveTimeout = KeepAliveInterval * 3,
        });
        var session = new WebSocketSession(socket, context.User, upstream, limiter, loggers.CreateLogger<WebSocketSession>());
        await session.RunAsync(context.RequestAborted);
    }
}
