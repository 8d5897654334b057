using ChatPlatform.Identity;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// The user a request acts for: the subject of its internal token, which the JwtBearer handler has validated (signed
/// with the platform's internal key, unexpired). Only the gateway mints such tokens for people.
/// </summary>
public sealed class CurrentUser
{
    private Guid? _id;

    public Guid Id => _id ?? throw new InvalidOperationException($"No user: the endpoint is not behind {nameof(CurrentUserExtensions.RequireCurrentUser)}.");

    internal void Set(Guid id) => _id = id;
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
            http.RequestServices.GetRequiredService<CurrentUser>().Set(id);
            return await next(context);
        });
        return group;
    }
}
