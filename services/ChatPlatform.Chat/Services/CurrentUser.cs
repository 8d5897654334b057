namespace ChatPlatform.Chat.Services;

/// <summary>
/// The user a request acts for, from the <c>X-User-Id</c> header. The chat service is internal: only the gateway
/// reaches it, after authenticating the caller, so the header is trusted here.
/// </summary>
public sealed class CurrentUser
{
    public const string HeaderName = "X-User-Id";

    private Guid? _id;

    public Guid Id => _id ?? throw new InvalidOperationException($"No user: the endpoint is not behind {nameof(CurrentUserExtensions.RequireCurrentUser)}.");

    internal void Set(Guid id) => _id = id;
}

public static class CurrentUserExtensions
{
    /// <summary>Answers 401 problem details unless <c>X-User-Id</c> holds one uuid; otherwise fills the scoped <see cref="CurrentUser"/>.</summary>
    public static RouteGroupBuilder RequireCurrentUser(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (http.Request.Headers[CurrentUser.HeaderName] is not [{ } value]
                || !Guid.TryParseExact(value, "D", out var id)
                || id == Guid.Empty)
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status401Unauthorized,
                    title: "Unauthorized",
                    detail: $"The {CurrentUser.HeaderName} header must hold the caller's user id (a uuid).");
            }
            http.RequestServices.GetRequiredService<CurrentUser>().Set(id);
            return await next(context);
        });
        return group;
    }
}
