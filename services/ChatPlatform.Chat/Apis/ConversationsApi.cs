using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using ChatPlatform.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Chat.Apis;

/// <summary>
/// <c>/v1/conversations</c>: a user's conversations and their message trees. Ids of another user's conversations and
/// messages answer 404, never 403, so they are not confirmed to exist.
/// </summary>
public static class ConversationsApi
{
    public static IEndpointRouteBuilder MapConversationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/conversations").RequireCurrentUser();
        api.MapPost("/", CreateConversationAsync);
        api.MapGet("/", ListConversationsAsync);
        api.MapGet("/{id:guid}", GetConversationAsync);
        api.MapPatch("/{id:guid}", UpdateConversationAsync);
        api.MapDelete("/{id:guid}", DeleteConversationAsync);
        api.MapPost("/{id:guid}/messages", AppendMessageAsync);
        api.MapPut("/{id:guid}/leaf", SelectLeafAsync);
        api.MapGet("/{id:guid}/messages/{messageId:guid}/path", GetPathAsync);
        return app;
    }

    public static async Task<Results<Created<Conversation>, ValidationProblem>> CreateConversationAsync(
        CreateConversationRequest request, CurrentUser user, ConversationStore store, CancellationToken cancellationToken)
    {
        if (ConversationRules.Validate(request) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var conversation = await store.CreateAsync(user.Id, request, cancellationToken);
        return TypedResults.Created($"/v1/conversations/{conversation.Id}", conversation);
    }

    public static async Task<Results<Ok<ConversationPage>, ValidationProblem>> ListConversationsAsync(
        int? limit, string? cursor, CurrentUser user, ConversationStore store, CancellationToken cancellationToken)
    {
        if (ConversationRules.ValidatePage(limit, cursor, out var after) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        return TypedResults.Ok(await store.ListAsync(user.Id, limit ?? ConversationRules.DefaultPageSize, after, cancellationToken));
    }

    public static async Task<Results<Ok<ConversationDetail>, NotFound>> GetConversationAsync(
        Guid id, CurrentUser user, ConversationStore store, CancellationToken cancellationToken) =>
        await store.FindWithCurrentPathAsync(user.Id, id, cancellationToken) is { } conversation
            ? TypedResults.Ok(conversation)
            : TypedResults.NotFound();

    public static async Task<Results<Ok<Conversation>, NotFound, ValidationProblem>> UpdateConversationAsync(
        Guid id, UpdateConversationRequest request, CurrentUser user, ConversationStore store, CancellationToken cancellationToken)
    {
        if (ConversationRules.Validate(request) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        return await store.UpdateAsync(user.Id, id, request, cancellationToken) is { } conversation
            ? TypedResults.Ok(conversation)
            : TypedResults.NotFound();
    }

    public static async Task<Results<NoContent, NotFound>> DeleteConversationAsync(
        Guid id, CurrentUser user, ConversationStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(user.Id, id, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    /// <summary>
    /// Appends the user's message and makes it the current leaf. Editing a message is posting with the edited message's
    /// parent (<c>parentId: null</c> for the first message), which starts a sibling branch. No answer is generated here:
    /// <c>POST /v1/conversations/{id}/turns</c> (<see cref="TurnsApi"/>) appends the message and streams the answer.
    /// </summary>
    public static async Task<Results<Created<Message>, NotFound, ValidationProblem>> AppendMessageAsync(
        Guid id, AppendMessageRequest request, CurrentUser user, ConversationStore store, CancellationToken cancellationToken)
    {
        if (ConversationRules.ValidateWithoutFiles(request) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        return await store.AppendUserMessageAsync(user.Id, id, request.Content!, request.ParentId, request.ParentIdGiven, cancellationToken) switch
        {
            AppendResult.Appended appended => TypedResults.Created($"/v1/conversations/{id}/messages/{appended.Message.Id}/path", appended.Message),
            AppendResult.ParentNotFound => TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["parentId"] = ["The parent is not a message of this conversation."],
            }),
            _ => TypedResults.NotFound(),
        };
    }

    /// <summary>Selects a branch: the current leaf becomes the deepest most-recent descendant of the given message.</summary>
    public static async Task<Results<Ok<ConversationDetail>, NotFound, ValidationProblem>> SelectLeafAsync(
        Guid id, SelectLeafRequest request, CurrentUser user, ConversationStore store, CancellationToken cancellationToken)
    {
        if (request.MessageId is not { } messageId)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["messageId"] = ["The message id is required."] });
        }
        return await store.SelectBranchAsync(user.Id, id, messageId, cancellationToken) switch
        {
            SelectLeafResult.Selected selected => TypedResults.Ok(selected.Conversation),
            SelectLeafResult.MessageNotFound => TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["messageId"] = ["The message is not in this conversation."],
            }),
            _ => TypedResults.NotFound(),
        };
    }

    public static async Task<Results<Ok<IReadOnlyList<PathMessage>>, NotFound>> GetPathAsync(
        Guid id, Guid messageId, CurrentUser user, ConversationStore store, CancellationToken cancellationToken) =>
        await store.FindPathAsync(user.Id, id, messageId, cancellationToken) is { } path
            ? TypedResults.Ok(path)
            : TypedResults.NotFound();
}
