using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Microsoft.Extensions.Hosting;

public static class ServerSentEventsExtensions
{
    /// <summary>
    /// Makes the response a stream of server-sent events: 200, <c>text/event-stream</c>, never cached, and never
    /// buffered here or by a proxy in front (nginx reads <c>X-Accel-Buffering</c>), so each flushed event leaves at once.
    /// </summary>
    public static void StartServerSentEvents(this HttpContext httpContext)
    {
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
    }
}
