using ChatPlatform.ModelRouter.Catalog;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.ModelRouter.Apis;

/// <summary><c>GET /v1/admin/audit</c>: every admin change, newest first, a page at a time (<c>?limit=&amp;before=</c>).</summary>
public static class AdminAuditApi
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static IEndpointRouteBuilder MapAdminAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/admin/audit", ListAuditAsync);
        return app;
    }

    /// <param name="before">The <c>next</c> of the previous page: entries older than that id.</param>
    public static async Task<Results<Ok<AdminAuditPage>, ValidationProblem>> ListAuditAsync(
        int? limit, long? before, AdminAuditLog audit, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (limit is < 1 or > MaxLimit)
        {
            errors.Add("limit", $"Must be between 1 and {MaxLimit}.");
        }
        if (before is < 1)
        {
            errors.Add("before", "Must be the next of a previous page.");
        }
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        var pageSize = limit ?? DefaultLimit;
        var entries = await audit.ListAsync(before, pageSize, cancellationToken);
        return TypedResults.Ok(new AdminAuditPage(entries, entries.Count == pageSize ? entries[^1].Id : null));
    }
}
