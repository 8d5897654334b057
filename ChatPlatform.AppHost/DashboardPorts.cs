using ChatPlatform.AppHost.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace ChatPlatform.AppHost;

/// <summary>
/// The dashboard's ports (18888 for its pages, 18889 for OTLP, 18890 for its resource service, from the launch
/// profile). Another process on one of them made the dashboard quietly bind IPv6 alone while the console said it
/// listened: a taken port is replaced by a free one, and the console says so.
/// </summary>
internal static class DashboardPorts
{
    private static readonly string[] Settings =
    [
        "ASPNETCORE_URLS", "ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", "ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL",
        "ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL", "ASPIRE_DASHBOARD_MCP_ENDPOINT_URL",
    ];

    public static IDistributedApplicationBuilder WithFreeDashboardPorts(this IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return builder;
        }
        foreach (var setting in Settings)
        {
            if (builder.Configuration[setting] is not { Length: > 0 } value
                || !Uri.TryCreate(value.Split(';')[0], UriKind.Absolute, out var url) || url.Port <= 0 || FreePort.IsFree(url.Port))
            {
                continue;
            }
            var free = FreePort.Next();
            builder.Configuration[setting] = new UriBuilder(url) { Port = free }.Uri.ToString().TrimEnd('/');
            Console.Error.WriteLine($"dashboard: port {url.Port} ({setting}) is in use; taking {free} instead.");
        }
        return builder;
    }
}
