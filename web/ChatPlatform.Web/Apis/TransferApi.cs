using ChatPlatform.Web.Infrastructure;
using ChatPlatform.Web.Services;

namespace ChatPlatform.Web.Apis;

/// <summary>
/// Downloads a browser takes straight from this server, which holds the tokens: one conversation's export
/// (<c>GET /api/conversations/{id}/export?format=markdown|json</c>) and the whole account's zip (<c>GET /api/export</c>),
/// each streamed through from the gateway with its name (docs/conversations.md, Export).
/// </summary>
public static class TransferApi
{
    public static IEndpointRouteBuilder MapTransferApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/conversations/{id:guid}/export", ExportConversationAsync);
        app.MapGet("/api/export", ExportAllAsync);
        return app;
    }

    public static Task<IResult> ExportConversationAsync(
        Guid id, string? format, Guid? messageId, HttpContext context, SessionRefresher refresher, GatewayFileTransfer files)
    {
        var query = $"?format={(format == "json" ? "json" : "markdown")}" + (messageId is { } leaf ? $"&messageId={leaf}" : "");
        return FilesApi.RelayGetAsync(context, refresher, files, $"/v1/conversations/{id}/export{query}");
    }

    public static Task<IResult> ExportAllAsync(HttpContext context, SessionRefresher refresher, GatewayFileTransfer files) =>
        FilesApi.RelayGetAsync(context, refresher, files, "/v1/export");
}
