using System.Security.Claims;
using ChatPlatform.Audit;
using ChatPlatform.Gateway.Infrastructure;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Gateway.Services;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Gateway.Apis;

/// <summary>
/// <c>/v1/admin/users</c>: the admin console's accounts, served by the gateway (which owns identity) rather than forwarded
/// like the rest of <c>/v1/admin/**</c>; these routes are more specific, so they win. Role admin only, and the acting
/// admin must still be an enabled admin in the database (a token minted before a demotion is refused with 403). Any
/// other path under <c>/v1/admin/users</c> answers 404 here and never reaches the model router.
/// </summary>
public static class AdminUsersApi
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    public const int MaxQueryLength = AccountRules.MaximumEmailLength;

    private static readonly string[] AllMethods = [HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete];
    private static readonly string[] RoleNames = [Roles.User, Roles.Admin];

    public static IEndpointRouteBuilder MapAdminUsersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/admin/users")
            .RequireAuthorization(policy => policy.RequireRole(Roles.Admin))
            .WithMetadata(new RequestSizeLimitMetadata(AuthApi.MaxBodyBytes));
        group.MapGet("/", ListAsync);
        group.MapGet("/{id:guid}", GetAsync);
        // An admin's API key may read the console (operators' tools) but not change accounts or end sessions: a leaked
        // key must not disable people, make admins or sign everyone out (found by the fuzz suite, issue 18).
        group.MapPatch("/{id:guid}", UpdateAsync).RequireInteractiveSession();
        group.MapPost("/{id:guid}/revoke-sessions", RevokeSessionsAsync).RequireInteractiveSession();
        // Billing keeps quota overrides (docs/usage.md "Quotas"); only the gateway knows which users exist.
        group.MapMethods("/{id:guid}/quotas", [HttpMethods.Get, HttpMethods.Put], ToBillingIfUserExistsAsync);
        group.MapMethods("/{**rest}", AllMethods, () => TypedResults.NotFound());
        return app;
    }

    /// <param name="q">Part of the email, any case.</param>
    /// <param name="cursor">The <c>next</c> of the previous page.</param>
    public static async Task<Results<Ok<AdminUserPage>, ValidationProblem>> ListAsync(
        string? q, string? role, string? tier, string? disabled, string? cursor, string? limit, AdminUserStore store, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        q = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        if (q is { Length: > MaxQueryLength })
        {
            errors["q"] = [$"At most {MaxQueryLength} characters."];
        }
        if (role is not null && !RoleNames.Contains(role))
        {
            errors["role"] = [$"One of: {string.Join(", ", RoleNames)}."];
        }
        if (tier is not null && !Tiers.All.Contains(tier))
        {
            errors["tier"] = [$"One of: {string.Join(", ", Tiers.All)}."];
        }
        bool? disabledFilter = disabled is null ? null : bool.TryParse(disabled, out var value) ? value : null;
        if (disabled is not null && disabledFilter is null)
        {
            errors["disabled"] = ["true or false."];
        }
        Guid? after = null;
        if (cursor is not null)
        {
            if (Guid.TryParseExact(cursor, "D", out var id))
            {
                after = id;
            }
            else
            {
                errors["cursor"] = ["Must be the next of a previous page."];
            }
        }
        var pageSize = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxLimit))
        {
            errors["limit"] = [$"Between 1 and {MaxLimit}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var users = await store.SearchAsync(q, role, tier, disabledFilter, after, pageSize + 1, cancellationToken);
        var page = users.Take(pageSize).Select(AdminUser.From).ToList();
        return TypedResults.Ok(new AdminUserPage(page, users.Count > pageSize ? page[^1].Id.ToString() : null));
    }

    public static async Task ToBillingIfUserExistsAsync(
        Guid id, HttpContext context, UserStore users, UpstreamForwarder forwarder, CancellationToken cancellationToken)
    {
        if (await users.FindByIdAsync(id, cancellationToken) is null)
        {
            await TypedResults.NotFound().ExecuteAsync(context);
            return;
        }
        await forwarder.ForwardAsync(context, Upstreams.Billing);
    }

    public static async Task<Results<Ok<AdminUser>, NotFound>> GetAsync(Guid id, UserStore users, CancellationToken cancellationToken) =>
        await users.FindByIdAsync(id, cancellationToken) is { } user ? TypedResults.Ok(AdminUser.From(user)) : TypedResults.NotFound();

    public static async Task<Results<Ok<AdminUser>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        Guid id, UpdateUserRequest? request, ClaimsPrincipal admin, AdminUserService service, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request is null || (request.Disabled is null && request.Role is null && request.Tier is null))
        {
            errors["body"] = ["Give at least one of disabled, role, tier."];
        }
        if (request?.Role is { } role && !RoleNames.Contains(role))
        {
            errors["role"] = [$"One of: {string.Join(", ", RoleNames)}."];
        }
        if (request?.Tier is { } tier && !Tiers.All.Contains(tier))
        {
            errors["tier"] = [$"One of: {string.Join(", ", Tiers.All)}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var result = await service.UpdateAsync(AdminActor.From(admin), id, request!, cancellationToken);
        return result.Outcome switch
        {
            AdminUserOutcome.Updated or AdminUserOutcome.Unchanged => TypedResults.Ok(AdminUser.From(result.After!)),
            AdminUserOutcome.NotFound => TypedResults.NotFound(),
            _ => Refused(result.Outcome),
        };
    }

    public static async Task<Results<Ok<RevokedSessions>, NotFound, ProblemHttpResult>> RevokeSessionsAsync(
        Guid id, ClaimsPrincipal admin, AdminUserService service, CancellationToken cancellationToken)
    {
        var result = await service.RevokeSessionsAsync(AdminActor.From(admin), id, cancellationToken);
        return result.Outcome switch
        {
            AdminUserOutcome.Updated => TypedResults.Ok(new RevokedSessions(result.Revoked)),
            AdminUserOutcome.NotFound => TypedResults.NotFound(),
            _ => Refused(result.Outcome),
        };
    }

    private static ProblemHttpResult Refused(AdminUserOutcome outcome) => outcome switch
    {
        AdminUserOutcome.SelfLockout => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict",
            detail: "An admin cannot disable or demote their own account."),
        AdminUserOutcome.LastAdmin => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict",
            detail: "This would leave no enabled admin."),
        _ => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
            detail: "Only an enabled admin may change accounts."),
    };
}
