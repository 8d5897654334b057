using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace ChatPlatform.Gateway.Infrastructure;

/// <summary>
/// The internal services behind the gateway, by service-discovery name (<c>services:{name}:http:0</c>). Their clients
/// carry no resilience handler: a forwarded body is streamed once and cannot be replayed, and streamed answers must
/// not be cut by a total timeout. Cancellation comes from the caller (the client's disconnect).
/// </summary>
public static class Upstreams
{
    public const string Chat = "chat";
    public const string ModelRouter = "model-router";

    public static IHostApplicationBuilder AddUpstreams(this IHostApplicationBuilder builder)
    {
        foreach (var name in new[] { Chat, ModelRouter })
        {
#pragma warning disable EXTEXP0001 // Experimental, but the documented way to drop the defaults' handler for one client.
            builder.Services.AddHttpClient(name)
                .RemoveAllResilienceHandlers()
#pragma warning restore EXTEXP0001
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
                {
                    // What YARP recommends for a forwarding client: no proxy, redirects, decompression or cookies.
                    UseProxy = false,
                    AllowAutoRedirect = false,
                    AutomaticDecompression = DecompressionMethods.None,
                    UseCookies = false,
                    EnableMultipleHttp2Connections = true,
                    ConnectTimeout = TimeSpan.FromSeconds(5),
                    ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
                });
        }
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton<UpstreamClient>();
        builder.Services.AddSingleton<UpstreamForwarder>();
        return builder;
    }
}

/// <summary>Invokers for the upstreams: the factory's handler chain (with service discovery), never buffering answers.</summary>
public sealed class UpstreamClient(IHttpMessageHandlerFactory handlers)
{
    public const string UserIdHeader = "X-User-Id";

    /// <summary>
    /// A cheap wrapper over the factory's pooled handler. Unlike HttpClient it never buffers an answer: its body streams
    /// from the connection. Keep it (and so the handler it holds) alive until the answer has been read.
    /// </summary>
    public HttpMessageInvoker CreateInvoker(string upstream) => new(handlers.CreateHandler(upstream), disposeHandler: false);

    public static Uri Address(string upstream, string pathAndQuery) => new($"http://{upstream}{pathAndQuery}");
}
