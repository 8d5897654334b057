using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Services;

namespace ChatPlatform.Web.Apis;

/// <summary>
/// <c>GET /api/admin/usage/export.csv?from=&amp;to=</c>: billing's CSV of the ledger, streamed through to the admin's
/// browser as a download. The gateway decides who is an admin (403 for anyone else), as for every console call.
/// </summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/admin/usage/export.csv", ExportUsageAsync);
        return app;
    }

    public static Task<IResult> ExportUsageAsync(DateOnly from, DateOnly to, HttpContext context, SessionRefresher refresher, GatewayFileTransfer files) =>
        FilesApi.RelayGetAsync(context, refresher, files, $"/v1/admin/usage/export.csv?from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}");
}
