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
    public const string Ingestion = "ingestion";
    public const string Billing = "billing";

    /// <summary>Every upstream the gateway forwards to.</summary>
    public static readonly string[] All = [Chat, ModelRouter, Ingestion, Billing];

    /// <summary>The service-discovery endpoint name of a service's cleartext HTTP/2 endpoint (<c>services:{name}:h2c:0</c>).</summary>
    public const string Http2EndpointName = "h2c";

    public static IHostApplicationBuilder AddUpstreams(this IHostApplicationBuilder builder)
    {
        foreach (var name in All)
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
                    // Over HTTP/2, a new connection once one carries as many streams as the server allows (100 in Kestrel).
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
