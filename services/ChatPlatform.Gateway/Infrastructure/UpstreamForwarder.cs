using ChatPlatform.Gateway.Services;
using Yarp.ReverseProxy.Forwarder;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary>
/// Forwards the request as it is (method, path, query, headers, streamed body) to an upstream and streams the answer
/// back as it arrives (YARP's <see cref="IHttpForwarder"/>: hop-by-hop headers dropped, each SSE write flushed, the
/// client's disconnect cancelling the upstream call). The upstream learns the caller only from the internal token the
/// gateway mints for the call (<see cref="UpstreamClient.InternalTokenFor"/>).
/// </summary>
public sealed partial class UpstreamForwarder(
    IHttpForwarder forwarder, UpstreamClient client, IProblemDetailsService problems, ILogger<UpstreamForwarder> logger)
{
    /// <summary>
    /// Forwards as the authenticated caller; a caller who is nobody is refused (401), unless <paramref name="forNobody"/>
    /// (the one anonymous route, a shared conversation's read), when the call goes as a service acting for no user.
    /// </summary>
    public async Task ForwardAsync(HttpContext context, string upstream, bool forNobody = false)
    {
        if ((client.InternalTokenFor(context.User) ?? (forNobody ? client.InternalTokenForNobody() : null)) is not { } token)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        using var invoker = client.CreateInvoker(upstream);
        context.Request.Body = new UncancelledRequestBody(context.Request.Body);
        var error = await forwarder.SendAsync(context, client.Prefix(upstream), invoker, client.ForwarderConfig(upstream), new CallerTransformer(token));
        if (error == ForwarderError.None)
        {
            return;
        }
        var exception = context.GetForwarderErrorFeature()?.Exception;
        if (error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled
            || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        if (context.Response.HasStarted)
        {
            // A request-body error after the answer started is an upstream that answered early (415, 404) without reading
            // the body; YARP reports it once the whole answer has been sent. Aborting then reset the client's connection
            // under its complete answer. Answer-side failures YARP has already reset or aborted itself.
            if (error is not (ForwarderError.RequestBodyClient or ForwarderError.RequestBodyDestination))
            {
                LogForwardFailed(logger, exception, upstream, context.Request.Method, context.Request.Path, error);
            }
            return;
        }
        LogForwardFailed(logger, exception, upstream, context.Request.Method, context.Request.Path, error);
        var (status, detail) = FindBadRequest(exception) switch
        {
            { } bad => (bad.StatusCode, bad.Message),
            _ when error is ForwarderError.RequestBodyClient => (StatusCodes.Status400BadRequest, "The request body could not be read."),
            _ when error is ForwarderError.RequestTimedOut => (StatusCodes.Status504GatewayTimeout, $"The {upstream} service did not answer in time."),
            _ => (StatusCodes.Status502BadGateway, $"The {upstream} service is unavailable."),
        };
        context.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status), Detail = detail },
        });
    }

    // Reading the client's body failed because of the client (a body over the limit): YARP wraps the reason.
    private static BadHttpRequestException? FindBadRequest(Exception? exception) => exception switch
    {
        null => null,
        BadHttpRequestException bad => bad,
        AggregateException aggregate => aggregate.InnerExceptions.Select(FindBadRequest).FirstOrDefault(found => found is not null),
        _ => FindBadRequest(exception.InnerException),
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forwarding {Method} {Path} to {Upstream} failed: {Error}")]
    private static partial void LogForwardFailed(ILogger logger, Exception? exception, string upstream, string method, string path, ForwarderError error);

    /// <summary>Copies the request YARP's way, then replaces the caller's credentials with the internal token.</summary>
    private sealed class CallerTransformer(string token) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(
            HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            // Credentials stay at the edge; the old X-User-Id header goes too, in case anything still reads it.
            proxyRequest.Headers.Remove(UpstreamClient.LegacyUserIdHeader);
            proxyRequest.Headers.Remove(ApiKeyAuthenticationHandler.HeaderName);
            proxyRequest.Headers.Remove("Cookie");
            proxyRequest.Headers.Authorization = UpstreamClient.Bearer(token);
        }
    }
}
