using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.Identity;

/// <summary>
/// The user a request acts for: the subject of its internal token, which the JwtBearer handler has validated (signed
/// with the platform's internal key, unexpired), and the tier the gateway put in it (null when it names none). Only the
/// gateway mints such tokens for people. Scoped; registered by <c>AddInternalAuthentication</c>.
/// </summary>
public sealed class CurrentUser
{
    private Guid? _id;

    public Guid Id => _id ?? throw new InvalidOperationException($"No user: the endpoint is not behind {nameof(CurrentUserExtensions.RequireCurrentUser)}.");

    public string? Tier { get; private set; }

    internal void Set(Guid id, string? tier)
    {
        _id = id;
        Tier = tier;
    }
}

public static class CurrentUserExtensions
{
    /// <summary>
    /// Requires a valid internal token (401 otherwise, as problem details) whose subject is a user (403 for a service
    /// token acting for nobody), and fills the scoped <see cref="CurrentUser"/> from it.
    /// </summary>
    public static RouteGroupBuilder RequireCurrentUser(this RouteGroupBuilder group)
    {
        group.RequireAuthorization(InternalIdentityExtensions.CallerPolicy);
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (http.User.UserId() is not { } id)
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status403Forbidden,
                    title: "Forbidden",
                    detail: "The internal token acts for no user.");
            }
            http.RequestServices.GetRequiredService<CurrentUser>().Set(id, http.User.FindFirst(InternalClaims.Tier)?.Value);
            return await next(context);
        });
        return group;
    }
}
