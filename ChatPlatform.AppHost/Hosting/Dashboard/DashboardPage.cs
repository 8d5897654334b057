using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.AppHost.Hosting.Dashboard;

/// <summary>The page at <c>/</c>: one self-contained HTML file (no CDN, no external assets) embedded in the host.</summary>
internal static class DashboardPage
{
    private static readonly Lazy<string> Html = new(() =>
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream("ChatPlatform.AppHost.Dashboard.html")
            ?? throw new InvalidOperationException("The dashboard page is not embedded.");
        return new StreamReader(stream).ReadToEnd();
    });

    public static IEndpointRouteBuilder MapDashboardPage(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", () => Results.Content(Html.Value, "text/html; charset=utf-8"));
        return endpoints;
    }
}
