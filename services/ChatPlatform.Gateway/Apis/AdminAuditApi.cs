using System.Globalization;
using System.Security.Claims;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Gateway.Services;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Gateway.Apis;

/// <summary>
/// <c>GET /v1/admin/audit?cursor=&amp;limit=</c>: every admin action, of the gateway (accounts), the model router
/// (catalog) and billing (quota overrides), merged newest first (<see cref="AdminAuditReader"/>). Served here rather than forwarded: this route is more
/// specific than <c>/v1/admin/{**path}</c>. Role admin only.
/// </summary>
public static class AdminAuditApi
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static IEndpointRouteBuilder MapAdminAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/admin/audit", ListAsync).RequireAuthorization(policy => policy.RequireRole(Model.Roles.Admin));
        return app;
    }

    public static async Task<Results<Ok<AuditLogPage>, ValidationProblem, ProblemHttpResult>> ListAsync(
        string? cursor, string? limit, ClaimsPrincipal admin, AdminAuditReader reader, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!AdminAuditReader.Cursor.TryParse(cursor, out var position))
        {
            errors["cursor"] = ["Must be the next of a previous page."];
        }
        var pageSize = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxLimit))
        {
            errors["limit"] = [$"Between 1 and {MaxLimit}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        return await reader.ReadAsync(admin, position, pageSize, cancellationToken) is { } page
            ? TypedResults.Ok(page)
            : TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "Bad Gateway",
                detail: "The audit log of the model router or billing could not be read; try again.");
    }
}
