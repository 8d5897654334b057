using ChatPlatform.Billing.Ledger;
using ChatPlatform.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Billing.Apis;

/// <summary>
/// <c>GET /v1/usage</c>: the caller's own tokens and cost by day or by model (docs/usage.md). The user is the token's
/// subject, never a parameter, so no one reads another's usage.
/// </summary>
public static class UsageApi
{
    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        var usage = app.MapGroup("/v1/usage").RequireCurrentUser();
        usage.MapGet("/", GetMyUsageAsync);
        usage.MapGet("/export.csv", ExportMine);
        return app;
    }

    public static async Task<Results<Ok<UsageReport>, ValidationProblem>> GetMyUsageAsync(
        string? from, string? to, string? groupBy, CurrentUser user, UsageQueries queries, ChatPlatform.Billing.Quotas.QuotaStatusReader quotas, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var range = UsageRange.TryParse(from, to, time, errors);
        var group = groupBy ?? UsageGroups.Day;
        if (group is not (UsageGroups.Day or UsageGroups.Model))
        {
            errors["groupBy"] = ["groupBy must be day or model."];
        }
        if (range is null || errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        // At most 366 days or the models used: bounded, so one page.
        var (total, rows, _) = await queries.ReportAsync(range, group, user.Id, 0, UsageRange.MaxDays * 4, cancellationToken);
        return TypedResults.Ok(new UsageReport(range.From, range.To, group, total, rows, Quotas: await quotas.ForAsync(user.Id, user.Tier, cancellationToken)));
    }

    /// <summary>Every ledger entry of the caller's, as the admin export writes them (CSV, streamed): their copy of their data.</summary>
    public static PushStreamHttpResult ExportMine(CurrentUser user, LedgerExport export, HttpContext context) =>
        TypedResults.Stream(body => export.WriteForUserAsync(user.Id, body, context.RequestAborted), "text/csv; charset=utf-8", "usage.csv");
}
