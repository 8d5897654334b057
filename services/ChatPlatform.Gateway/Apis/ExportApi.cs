using System.Globalization;
using System.Security.Claims;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Services;
using ChatPlatform.Gateway.Services.Export;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Gateway.Apis;

/// <summary>
/// <c>GET /v1/export</c>: everything of the caller's as one zip, composed here from the services that own each part
/// (docs/conversations.md, Export). A signed-in session only: a leaked API key must not carry the whole account away.
/// </summary>
public static class ExportApi
{
    public static IEndpointRouteBuilder MapExportApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/export", ExportAsync).RequireAuthorization().RequireInteractiveSession();
        return app;
    }

    public static async Task<Results<PushStreamHttpResult, UnauthorizedHttpResult>> ExportAsync(
        ClaimsPrincipal principal, UserStore users, AccountExport export, TimeProvider time, HttpContext context, CancellationToken cancellationToken)
    {
        if (principal.UserId() is not { } id || await users.FindByIdAsync(id, cancellationToken) is not { } user)
        {
            return TypedResults.Unauthorized();
        }
        context.Response.Headers.CacheControl = "no-store";
        var name = string.Create(CultureInfo.InvariantCulture, $"chatplatform-export-{time.GetUtcNow():yyyy-MM-dd}.zip");
        return TypedResults.Stream(_ => export.WriteAsync(principal, user, context), "application/zip", name);
    }
}
