using ChatPlatform.Audit;
using ChatPlatform.Billing.Quotas;
using ChatPlatform.Identity;
using ChatPlatform.Quotas;
using ChatPlatform.Redis;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Billing.Apis;

/// <summary>
/// <c>/v1/admin/users/{id}/quotas</c>: a user's own daily and monthly limits in place of their tier's (docs/usage.md
/// "Quotas"). Admin only here too; the gateway answers 404 for a user it does not know before forwarding.
/// </summary>
public static partial class AdminQuotasApi
{
    public const long MaxTokens = 1_000_000_000_000;
    public const decimal MaxCostUsd = 1_000_000m;

    public static IEndpointRouteBuilder MapAdminQuotasApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/v1/admin/users/{id:guid}/quotas").RequireAuthorization(InternalIdentityExtensions.AdminPolicy);
        admin.MapGet("/", GetAsync);
        admin.MapPut("/", PutAsync);
        return app;
    }

    public static async Task<Ok<UserQuotasBody>> GetAsync(Guid id, QuotaOverrideStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new UserQuotasBody(QuotaOverridesBody.From(await store.FindAsync(id, cancellationToken))));

    public static async Task<Results<Ok<UserQuotasBody>, ValidationProblem>> PutAsync(
        Guid id, UserQuotasBody body, QuotaOverrideStore store, QuotaGate gate, QuotaRebuilder rebuilder, HttpContext context,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (body?.Overrides is not { } given)
        {
            errors["overrides"] = ["overrides is required: {\"daily\": {\"tokens\", \"costUsd\"}, \"monthly\": {...}}; null keeps the tier's value."];
            return TypedResults.ValidationProblem(errors);
        }
        Check(errors, "overrides.daily", given.Daily);
        Check(errors, "overrides.monthly", given.Monthly);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var overrides = given.ToOverrides();
        await store.SetAsync(id, overrides, AdminActor.From(context.User), cancellationToken);
        try
        {
            await gate.SetOverridesAsync(id, overrides);
        }
        catch (RedisUnavailableException e)
        {
            // PostgreSQL has it; the rebuilder mirrors it when Redis answers again.
            rebuilder.OverridesPending();
            LogNotMirrored(loggers.CreateLogger(typeof(AdminQuotasApi)), id, e.Message);
        }
        return TypedResults.Ok(new UserQuotasBody(QuotaOverridesBody.From(overrides)));
    }

    private static void Check(Dictionary<string, string[]> errors, string name, QuotaLimitBody? limit)
    {
        if (limit?.Tokens is < 0 or > MaxTokens)
        {
            errors[$"{name}.tokens"] = [$"tokens must be between 0 and {MaxTokens}, or null for the tier's value."];
        }
        if (limit?.CostUsd is { } cost && (cost < 0 || cost > MaxCostUsd || decimal.Round(cost, 6) != cost))
        {
            errors[$"{name}.costUsd"] = [$"costUsd must be between 0 and {MaxCostUsd} US dollars with at most 6 decimals, or null for the tier's value."];
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quota overrides of user {UserId} saved but not yet mirrored into Redis: {Reason}")]
    private static partial void LogNotMirrored(ILogger logger, Guid userId, string reason);
}
