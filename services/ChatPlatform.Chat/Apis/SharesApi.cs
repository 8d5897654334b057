using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using ChatPlatform.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Chat.Apis;

/// <summary>
/// Sharing (docs/conversations.md, Sharing): the owner's <c>/v1/conversations/{id}/share</c> and <c>/v1/shares</c>, and
/// the read of a share by its id, <c>/v1/shared/{shareId}</c>, which the gateway also forwards for nobody (a service
/// token without a user). An unknown, revoked or expired share, and another user's share on the owner's routes, all
/// answer the same 404.
/// </summary>
public static class SharesApi
{
    public static IEndpointRouteBuilder MapSharesApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/conversations").RequireCurrentUser().MapPost("/{id:guid}/share", CreateShareAsync);
        var shares = app.MapGroup("/v1/shares").RequireCurrentUser();
        shares.MapGet("/", ListSharesAsync);
        shares.MapPatch("/{shareId}", UpdateShareAsync);
        shares.MapDelete("/{shareId}", RevokeShareAsync);
        // Any internal caller: the gateway sends the viewer's token, or a service token acting for nobody.
        app.MapGet("/v1/shared/{shareId}", ReadSharedAsync).RequireAuthorization(InternalIdentityExtensions.CallerPolicy);
        app.MapGroup("/v1/shared").RequireCurrentUser().MapPost("/{shareId}/continue", ContinueAsync);
        return app;
    }

    public static async Task<Results<Created<Share>, NotFound, ValidationProblem>> CreateShareAsync(
        Guid id, CreateShareRequest request, CurrentUser user, ShareStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (ShareRules.Validate(request, time.GetUtcNow()) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        return await store.CreateAsync(
            user.Id, id, request.MessageId!.Value, request.Visibility ?? ShareRules.Public, request.ExpiresAt, request.Indexable ?? false, cancellationToken) switch
        {
            ShareResult.Done done => TypedResults.Created($"/v1/shares/{done.Share.ShareId}", done.Share),
            ShareResult.MessageNotFound => MessageNotFound(),
            ShareResult.TooMany => TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["messageId"] = [$"You have {ShareRules.MaxSharesPerUser} shares, the most there can be: revoke one first."],
            }),
            _ => TypedResults.NotFound(),
        };
    }

    public static async Task<Results<Ok<SharePage>, ValidationProblem>> ListSharesAsync(
        string? limit, string? cursor, CurrentUser user, ShareStore store, CancellationToken cancellationToken)
    {
        if (ShareRules.ValidatePage(limit, cursor, out var size, out var after) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        return TypedResults.Ok(await store.ListAsync(user.Id, size, after, cancellationToken));
    }

    public static async Task<Results<Ok<Share>, NotFound, ValidationProblem>> UpdateShareAsync(
        string shareId, UpdateShareRequest request, CurrentUser user, ShareStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (ShareRules.Validate(request, time.GetUtcNow()) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (!ShareRules.IsWellFormed(shareId))
        {
            return TypedResults.NotFound();
        }
        return await store.UpdateAsync(user.Id, shareId, request, cancellationToken) switch
        {
            ShareResult.Done done => TypedResults.Ok(done.Share),
            ShareResult.MessageNotFound => MessageNotFound(),
            _ => TypedResults.NotFound(),
        };
    }

    public static async Task<Results<NoContent, NotFound>> RevokeShareAsync(
        string shareId, CurrentUser user, ShareStore store, CancellationToken cancellationToken) =>
        ShareRules.IsWellFormed(shareId) && await store.DeleteAsync(user.Id, shareId, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.NotFound();

    /// <summary>
    /// The snapshot, for anyone when public, for a signed-in viewer when <c>signed-in</c> (401 for nobody: the web page
    /// then asks them to sign in). Owners are never named, and the answer is not to be cached by anything shared.
    /// </summary>
    public static async Task<Results<Ok<SharedConversation>, NotFound, ProblemHttpResult>> ReadSharedAsync(
        string shareId, HttpContext context, ShareStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        context.Response.Headers.CacheControl = "private, no-store";
        if (await FindLiveAsync(shareId, store, time, cancellationToken) is not { } shared)
        {
            return TypedResults.NotFound();
        }
        if (shared.Visibility == ShareRules.SignedIn && context.User.UserId() is null)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized, title: "Sign in to see this conversation",
                detail: "Its owner shared it with signed-in users only.");
        }
        return TypedResults.Ok(shared);
    }

    /// <summary>Copies the snapshot into a new conversation of the caller's, which they continue as their own.</summary>
    public static async Task<Results<Created<Conversation>, NotFound>> ContinueAsync(
        string shareId, CurrentUser user, ShareStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FindLiveAsync(shareId, store, time, cancellationToken) is not { } shared)
        {
            return TypedResults.NotFound();
        }
        var conversation = await store.ContinueAsync(user.Id, shared, cancellationToken);
        return TypedResults.Created($"/v1/conversations/{conversation.Id}", conversation);
    }

    // A malformed id is looked up like any other, so it takes the time an unknown one takes; a long one is not sent at all.
    private static Task<SharedConversation?> FindLiveAsync(string shareId, ShareStore store, TimeProvider time, CancellationToken cancellationToken) =>
        shareId.Length <= 64
            ? store.FindLiveAsync(shareId, time.GetUtcNow(), cancellationToken)
            : Task.FromResult<SharedConversation?>(null);

    private static ValidationProblem MessageNotFound() => TypedResults.ValidationProblem(new Dictionary<string, string[]>
    {
        ["messageId"] = ["The message is not in this conversation."],
    });
}
