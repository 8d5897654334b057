using System.Globalization;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using ChatPlatform.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Chat.Apis;

/// <summary>
/// Thumbs up or down on an answer (issue 20): <c>PUT</c> and <c>DELETE
/// /v1/conversations/{id}/messages/{messageId}/feedback</c> (one verdict per answer per user, changeable),
/// <c>GET /v1/conversations/{id}/feedback</c> (the caller's verdicts in a conversation), and
/// <c>GET /v1/admin/chat/feedback?limit=</c> (admins only; the gateway routes <c>/v1/admin/chat/**</c> here). Another
/// user's conversation or answer answers 404, as everywhere in chat.
/// </summary>
public static class FeedbackApi
{
    public static IEndpointRouteBuilder MapFeedbackApi(this IEndpointRouteBuilder app)
    {
        var conversations = app.MapGroup("/v1/conversations").RequireCurrentUser();
        conversations.MapGet("/{id:guid}/feedback", ListFeedbackAsync);
        conversations.MapPut("/{id:guid}/messages/{messageId:guid}/feedback", SetFeedbackAsync);
        conversations.MapDelete("/{id:guid}/messages/{messageId:guid}/feedback", DeleteFeedbackAsync);
        app.MapGet("/v1/admin/chat/feedback", ListRecentFeedbackAsync).RequireAuthorization(InternalIdentityExtensions.AdminPolicy);
        return app;
    }

    public static async Task<Results<Ok<FeedbackList>, NotFound>> ListFeedbackAsync(
        Guid id, CurrentUser user, FeedbackStore store, CancellationToken cancellationToken) =>
        await store.ListAsync(user.Id, id, cancellationToken) is { } items ? TypedResults.Ok(new FeedbackList(items)) : TypedResults.NotFound();

    public static async Task<Results<Ok<Feedback>, NotFound, ValidationProblem>> SetFeedbackAsync(
        Guid id, Guid messageId, FeedbackRequest request, CurrentUser user, FeedbackStore store, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (FeedbackRules.Validate(request, errors) is not { } verdict)
        {
            return TypedResults.ValidationProblem(errors);
        }
        // Not found covers another user's answer, a deleted conversation's and a message that is not an answer.
        return await store.SetAsync(user.Id, id, messageId, verdict.Rating, verdict.Comment, cancellationToken) is { } feedback
            ? TypedResults.Ok(feedback)
            : TypedResults.NotFound();
    }

    public static async Task<Results<NoContent, NotFound>> DeleteFeedbackAsync(
        Guid id, Guid messageId, CurrentUser user, FeedbackStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(user.Id, id, messageId, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static async Task<Results<Ok<AdminFeedbackList>, ValidationProblem>> ListRecentFeedbackAsync(
        string? limit, FeedbackStore store, CancellationToken cancellationToken)
    {
        var count = FeedbackRules.DefaultAdminLimit;
        if (limit is not null
            && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > FeedbackRules.MaxAdminLimit))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["limit"] = [$"Must be a whole number from 1 to {FeedbackRules.MaxAdminLimit}."],
            });
        }
        return TypedResults.Ok(new AdminFeedbackList(await store.ListRecentAsync(count, cancellationToken)));
    }
}
