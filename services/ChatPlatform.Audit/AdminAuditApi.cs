using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Audit;

/// <summary>
/// <c>GET /v1/admin/audit</c>: a service's admin changes, newest first, a page at a time (<c>?limit=&amp;before=</c>).
/// The model router and billing map it for admins; the gateway merges their pages with its own log for the console.
/// </summary>
public static class AdminAuditApi
{
    public const string Route = "/v1/admin/audit";
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <summary>Maps the route on <paramref name="app"/>, whose authorization must already require an admin.</summary>
    public static IEndpointRouteBuilder MapAdminAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(Route, ListAuditAsync);
        return app;
    }

    /// <param name="before">The <c>next</c> of the previous page: entries older than that id.</param>
    public static async Task<Results<Ok<AdminAuditPage>, ValidationProblem>> ListAuditAsync(
        int? limit, long? before, AdminAuditLog audit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (limit is < 1 or > MaxLimit)
        {
            errors["limit"] = [$"Must be between 1 and {MaxLimit}."];
        }
        if (before is < 1)
        {
            errors["before"] = ["Must be the next of a previous page."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var pageSize = limit ?? DefaultLimit;
        var entries = await audit.ListAsync(before, pageSize, cancellationToken);
        return TypedResults.Ok(new AdminAuditPage(entries, entries.Count == pageSize ? entries[^1].Id : null));
    }
}
