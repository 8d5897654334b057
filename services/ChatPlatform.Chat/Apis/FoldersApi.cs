using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using ChatPlatform.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Chat.Apis;

/// <summary>
/// <c>/v1/folders</c>: a user's folders (docs/conversations.md), and <c>GET /v1/tags</c>, the tags of their conversations.
/// Another user's folder id answers 404.
/// </summary>
public static class FoldersApi
{
    public static IEndpointRouteBuilder MapFoldersApi(this IEndpointRouteBuilder app)
    {
        var folders = app.MapGroup("/v1/folders").RequireCurrentUser();
        folders.MapGet("/", ListFoldersAsync);
        folders.MapPost("/", CreateFolderAsync);
        folders.MapPatch("/{id:guid}", RenameFolderAsync);
        folders.MapDelete("/{id:guid}", DeleteFolderAsync);
        app.MapGroup("/v1/tags").RequireCurrentUser().MapGet("/", ListTagsAsync);
        return app;
    }

    public static async Task<Ok<FolderList>> ListFoldersAsync(CurrentUser user, FolderStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new FolderList(await store.ListAsync(user.Id, cancellationToken)));

    public static async Task<Results<Created<Folder>, ValidationProblem, ProblemHttpResult>> CreateFolderAsync(
        FolderRequest request, CurrentUser user, FolderStore store, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (OrganiseRules.FolderName(request, errors) is not { } name)
        {
            return TypedResults.ValidationProblem(errors);
        }
        return await store.CreateAsync(user.Id, name, cancellationToken) switch
        {
            FolderResult.Done done => TypedResults.Created($"/v1/folders/{done.Folder.Id}", done.Folder),
            FolderResult.TooMany => TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["name"] = [$"You have {OrganiseRules.MaxFoldersPerUser} folders, the most there can be: delete one first."],
            }),
            _ => NameTaken(),
        };
    }

    public static async Task<Results<Ok<Folder>, NotFound, ValidationProblem, ProblemHttpResult>> RenameFolderAsync(
        Guid id, FolderRequest request, CurrentUser user, FolderStore store, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (OrganiseRules.FolderName(request, errors) is not { } name)
        {
            return TypedResults.ValidationProblem(errors);
        }
        return await store.RenameAsync(user.Id, id, name, cancellationToken) switch
        {
            FolderResult.Done done => TypedResults.Ok(done.Folder),
            FolderResult.NameTaken => NameTaken(),
            _ => TypedResults.NotFound(),
        };
    }

    /// <summary>Its conversations stay, in no folder.</summary>
    public static async Task<Results<NoContent, NotFound>> DeleteFolderAsync(
        Guid id, CurrentUser user, FolderStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(user.Id, id, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static async Task<Ok<TagList>> ListTagsAsync(CurrentUser user, ConversationStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new TagList(await store.ListTagsAsync(user.Id, cancellationToken)));

    private static ProblemHttpResult NameTaken() => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict, title: "The name is taken", detail: "You already have a folder of that name (case aside).");
}

public sealed record FolderList(IReadOnlyList<Folder> Items);

public sealed record TagList(IReadOnlyList<TagCount> Items);
