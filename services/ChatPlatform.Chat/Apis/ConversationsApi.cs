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
        api.MapPost("/bulk", BulkAsync);
        api.MapGet("/{id:guid}", GetConversationAsync);
        api.MapPatch("/{id:guid}", UpdateConversationAsync);
        api.MapDelete("/{id:guid}", DeleteConversationAsync);
        api.MapPost("/{id:guid}/messages", AppendMessageAsync);
        api.MapPut("/{id:guid}/leaf", SelectLeafAsync);
        api.MapGet("/{id:guid}/messages/{messageId:guid}/path", GetPathAsync);
        return app;
    }

    public static async Task<Results<Created<Conversation>, ValidationProblem>> CreateConversationAsync(
        CreateConversationRequest request, CurrentUser user, ConversationStore store, TurnQuotas quotas, CancellationToken cancellationToken)
    {
        if (ConversationRules.Validate(request) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var conversation = await store.CreateAsync(user.Id, request, cancellationToken);
        quotas.Created(user.Id, conversation);
        return TypedResults.Created($"/v1/conversations/{conversation.Id}", conversation);
    }

    /// <summary>
    /// Starred first, then by last activity, narrowed by the filters given: <c>folder</c> (an id, or <c>none</c>), <c>tag</c>,
    /// <c>model</c>, <c>from</c>/<c>to</c> (last activity), <c>starred</c>, <c>archived</c> (default false: archived hidden).
    /// </summary>
    public static async Task<Results<Ok<ConversationPage>, ValidationProblem>> ListConversationsAsync(
        string? limit, string? cursor, string? folder, string? tag, string? model, string? from, string? to, string? starred, string? archived,
        CurrentUser user, ConversationStore store, CancellationToken cancellationToken)
    {
        var errors = OrganiseRules.ParseFilter(folder, tag, model, from, to, starred, archived, out var filter);
        int? size = null;
        if (limit is not null)
        {
            // Parsed here rather than bound, so a limit of "ten" is a problem naming the field like every other one.
            if (int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
            {
                size = n;
            }
            else
            {
                errors["limit"] = [$"The limit is from 1 to {ConversationRules.MaxPageSize}."];
            }
        }
        var pageErrors = ConversationRules.ValidatePage(size, cursor, out var after);
        foreach (var (key, value) in pageErrors)
        {
            errors[key] = value;
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        return TypedResults.Ok(await store.ListAsync(user.Id, size ?? ConversationRules.DefaultPageSize, after, filter, cancellationToken));
    }

    /// <summary>One action on up to 200 of the caller's conversations; an id not theirs is a 404 and nothing changes.</summary>
    public static async Task<Results<Ok<BulkResult>, NotFound, ValidationProblem>> BulkAsync(
        BulkRequest request, CurrentUser user, BulkStore store, CancellationToken cancellationToken)
    {
        if (OrganiseRules.Validate(request, out var action, out var tags) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        return await store.ApplyAsync(user.Id, request.Ids!, action, request.FolderId, tags, cancellationToken) switch
        {
            BulkOutcome.Done done => TypedResults.Ok(new BulkResult(done.Count)),
            BulkOutcome.FolderNotFound => TypedResults.ValidationProblem(FolderNotFound),
            BulkOutcome.TooManyTags => TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["tags"] = [$"A conversation would have more than {OrganiseRules.MaxTagsPerConversation} tags."],
            }),
            _ => TypedResults.NotFound(),
        };
    }

    private static readonly Dictionary<string, string[]> FolderNotFound = new()
    {
        ["folderId"] = ["The folder is not one of yours."],
    };

    public static async Task<Results<Ok<ConversationDetail>, NotFound>> GetConversationAsync(
        Guid id, CurrentUser user, ConversationStore store, CancellationToken cancellationToken) =>
        await store.FindWithCurrentPathAsync(user.Id, id, cancellationToken) is { } conversation
            ? TypedResults.Ok(conversation)
            : TypedResults.NotFound();

    /// <summary>
    /// Changes the fields sent. <c>temperature</c> and <c>maxOutputTokens</c> are checked against the limits the catalog
    /// gives the conversation's model (or the one this request switches to); <c>null</c> goes back to the model's default.
    /// </summary>
    public static async Task<Results<Ok<Conversation>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateConversationAsync(
        Guid id, UpdateConversationRequest request, CurrentUser user, ConversationStore store, ModelRouterClient router,
        CancellationToken cancellationToken)
    {
        if (OrganiseRules.Validate(request, out _) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (request.SetsParameters)
        {
            // Read first so that another user's conversation is a 404 before anything about its model is said.
            if (await store.FindAsync(user.Id, id, cancellationToken) is not { } current)
            {
                return TypedResults.NotFound();
            }
            if (await TurnsApi.ListModelsAsync(router, cancellationToken) is not { } listed)
            {
                return TurnsApi.RouterUnavailable();
            }
            var modelId = request.Model ?? current.Model;
            if (ConversationParameters.Validate(request, modelId, listed.Models.GetValueOrDefault(modelId)) is { Count: > 0 } invalid)
            {
                return TypedResults.ValidationProblem(invalid);
            }
        }
        return await store.UpdateAsync(user.Id, id, request, cancellationToken) switch
        {
            UpdateResult.Updated updated => TypedResults.Ok(updated.Conversation),
            UpdateResult.FolderNotFound => TypedResults.ValidationProblem(FolderNotFound),
            _ => TypedResults.NotFound(),
        };
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
