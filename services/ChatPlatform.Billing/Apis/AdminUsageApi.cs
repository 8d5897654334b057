using ChatPlatform.Billing.Ledger;
using ChatPlatform.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Billing.Apis;

/// <summary>
/// <c>/v1/admin/usage</c>: everyone's usage for admins (docs/usage.md): grouped by day, model or user (paged), a
/// summary for the overview, and the ledger itself as CSV. Admin only here too, not only at the gateway.
/// </summary>
public static class AdminUsageApi
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapAdminUsageApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/v1/admin/usage").RequireAuthorization(InternalIdentityExtensions.AdminPolicy);
        admin.MapGet("/", GetUsageAsync);
        admin.MapGet("/summary", GetSummaryAsync);
        admin.MapGet("/export.csv", Export);
        return app;
    }

    public static async Task<Results<Ok<UsageReport>, ValidationProblem>> GetUsageAsync(
        string? from, string? to, string? groupBy, string? userId, int? offset, int? limit, UsageQueries queries, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var range = UsageRange.TryParse(from, to, time, errors);
        var group = groupBy ?? UsageGroups.Day;
        if (group is not (UsageGroups.Day or UsageGroups.Model or UsageGroups.User))
        {
            errors["groupBy"] = ["groupBy must be day, model or user."];
        }
        Guid? user = null;
        if (userId is not null)
        {
            if (Guid.TryParse(userId, out var id))
            {
                user = id;
            }
            else
            {
                errors["userId"] = ["userId must be a user id."];
            }
        }
        if (offset is < 0 or > 1_000_000)
        {
            errors["offset"] = ["offset must be between 0 and 1000000."];
        }
        if (limit is < 1 or > MaxPageSize)
        {
            errors["limit"] = [$"limit must be between 1 and {MaxPageSize}."];
        }
        if (range is null || errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        // Days and models are few (a year of days at most); users are not, so only they are paged.
        var paged = group == UsageGroups.User;
        var skip = paged ? offset ?? 0 : 0;
        var take = paged ? limit ?? DefaultPageSize : UsageRange.MaxDays * 4;
        var (total, rows, more) = await queries.ReportAsync(range, group, user, skip, take, cancellationToken);
        return TypedResults.Ok(new UsageReport(range.From, range.To, group, total, rows, more ? skip + rows.Count : null));
    }

    public static async Task<Results<Ok<UsageSummary>, ValidationProblem>> GetSummaryAsync(
        string? from, string? to, UsageQueries queries, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (UsageRange.TryParse(from, to, time, errors) is not { } range)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var total = await queries.TotalAsync(range, null, cancellationToken);
        return TypedResults.Ok(new UsageSummary(range.From, range.To, total.Answers, total.InputTokens, total.CachedInputTokens, total.OutputTokens, total.CostUsd));
    }

    public static Results<PushStreamHttpResult, ValidationProblem> Export(
        string? from, string? to, LedgerExport export, TimeProvider time, HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        if (UsageRange.TryParse(from, to, time, errors) is not { } range)
        {
            return TypedResults.ValidationProblem(errors);
        }
        return TypedResults.Stream(
            body => export.WriteAsync(range, body, context.RequestAborted),
            "text/csv; charset=utf-8",
            $"usage-{range.From:yyyy-MM-dd}-{range.To:yyyy-MM-dd}.csv");
    }
}
