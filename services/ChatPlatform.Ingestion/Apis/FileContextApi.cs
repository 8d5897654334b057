using ChatPlatform.Identity;
using ChatPlatform.Ingestion.Retrieval;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Ingestion.Apis;

/// <summary>
/// <c>POST /v1/files/context</c>, for chat only (role <c>service</c>): what a turn's model sees of the files it attaches,
/// for the user the token acts for. A file of anyone else answers 404 like an unknown one.
/// </summary>
public static class FileContextApi
{
    public const int MaxFiles = 20;
    public const int MaxQueryLength = 8_000;
    public const int MaxTokensLimit = 1_000_000;

    public static IEndpointRouteBuilder MapFileContextApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/files/context", GetContextAsync)
            .RequireAuthorization(InternalIdentityExtensions.ServicePolicy);
        return app;
    }

    public static async Task<Results<Ok<FileContext>, ValidationProblem, ProblemHttpResult>> GetContextAsync(
        FileContextRequest request, HttpContext http, FileContextBuilder builder, CancellationToken cancellationToken)
    {
        if (http.User.UserId() is not { } userId)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "The internal token acts for no user.");
        }
        if (Validate(request) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var fileIds = (request.FileIds ?? []).Distinct().ToList();
        var earlier = (request.EarlierFileIds ?? []).Distinct().ToList();
        var result = await builder.BuildAsync(
            userId, fileIds, earlier, request.Query ?? "", request.MaxTokens!.Value, request.Vision ?? true, cancellationToken);
        return result switch
        {
            FileContextResult.Built built => TypedResults.Ok(built.Context),
            FileContextResult.FileNotFound notFound => TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound, title: "File not found", detail: $"File {notFound.FileId} was not found."),
            FileContextResult.FileNotReady notReady => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict, title: "File not ready",
                detail: $"File '{notReady.Name}' ({notReady.FileId}) is {notReady.Status}, not ready; only ready files can be sent to a model."),
            _ => throw new InvalidOperationException($"Unexpected result {result.GetType().Name}."),
        };
    }

    internal static Dictionary<string, string[]> Validate(FileContextRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        var named = (request.FileIds ?? []).Concat(request.EarlierFileIds ?? []).ToList();
        if (named.Count == 0)
        {
            errors["fileIds"] = ["Name at least one file."];
        }
        else if (named.Count > MaxFiles)
        {
            errors["fileIds"] = [$"At most {MaxFiles} files go into one turn, earlier ones included."];
        }
        else if (named.Contains(Guid.Empty))
        {
            errors["fileIds"] = ["A file id is empty."];
        }
        if (request.Query is { Length: > MaxQueryLength })
        {
            errors["query"] = [$"The query is longer than {MaxQueryLength} characters."];
        }
        if (request.MaxTokens is not { } maxTokens || maxTokens < 1 || maxTokens > MaxTokensLimit)
        {
            errors["maxTokens"] = [$"Give a token budget between 1 and {MaxTokensLimit}."];
        }
        return errors;
    }
}
