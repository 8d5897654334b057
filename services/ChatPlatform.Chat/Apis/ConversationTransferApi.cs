using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;
using ChatPlatform.Chat.Services;
using ChatPlatform.Chat.Services.Import;
using ChatPlatform.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatPlatform.Chat.Apis;

/// <summary>
/// Taking conversations out and bringing them in (docs/conversations.md, Export and Import): one conversation as
/// Markdown (a branch) or JSON (the whole tree), and an import of our JSON, our export zip or ChatGPT's
/// <c>conversations.json</c>. Another user's ids answer 404 like unknown ones.
/// </summary>
public static class ConversationTransferApi
{
    public static IEndpointRouteBuilder MapConversationTransferApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/conversations").RequireCurrentUser();
        api.MapGet("/{id:guid}/export", ExportAsync);
        // The body is read with its own cap (ImportBody, below Kestrel's 30 MB), which answers 400 like every other refusal of the file.
        api.MapPost("/import", ImportAsync);
        return app;
    }

    /// <summary><c>format=markdown</c> (the default): the branch ending at <c>messageId</c>, or the current one; <c>format=json</c>: every branch.</summary>
    public static async Task<Results<FileContentHttpResult, NotFound, ValidationProblem>> ExportAsync(
        Guid id, string? format, string? messageId, CurrentUser user, ConversationStore conversations, ConversationExportStore exports,
        CancellationToken cancellationToken)
    {
        Guid? leaf = null;
        if (messageId is not null)
        {
            leaf = Guid.TryParse(messageId, out var parsed)
                ? parsed
                : null;
            if (leaf is null)
            {
                return Invalid("messageId", "The message id is a UUID.");
            }
        }
        switch (format?.ToLowerInvariant())
        {
            case null or "markdown" or "md":
                if (await conversations.FindAsync(user.Id, id, cancellationToken) is not { } conversation)
                {
                    return TypedResults.NotFound();
                }
                IReadOnlyList<PathMessage> path = [];
                if ((leaf ?? conversation.CurrentLeafId) is { } end)
                {
                    // A message of another conversation (or user) reads as an empty path: the conversation is the caller's, the message is not in it.
                    path = await conversations.FindPathAsync(user.Id, id, end, cancellationToken) ?? [];
                    if (path.Count == 0 && leaf is not null)
                    {
                        return Invalid("messageId", "The message is not in this conversation.");
                    }
                }
                return TypedResults.File(
                    System.Text.Encoding.UTF8.GetBytes(ConversationMarkdown.Write(conversation, path)),
                    "text/markdown; charset=utf-8", ExportFileName.For(conversation.Title, "md"));
            case "json":
                if (leaf is not null)
                {
                    return Invalid("messageId", "A JSON export holds every branch: messageId is for Markdown.");
                }
                if (await exports.ReadTreeAsync(user.Id, id, cancellationToken) is not { } tree)
                {
                    return TypedResults.NotFound();
                }
                return TypedResults.File(
                    System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(tree, ExportJson.Options),
                    "application/json; charset=utf-8", ExportFileName.For(tree.Title, "json"));
            default:
                return Invalid("format", "The format is markdown or json.");
        }
    }

    /// <summary>All the file's conversations or none: 201 with what was written and notes on what was skipped.</summary>
    public static async Task<Results<Created<ImportResult>, ValidationProblem>> ImportAsync(
        HttpRequest request, string? model, CurrentUser user, ImportStore store, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        if (model is not null && (string.IsNullOrWhiteSpace(model) || model.Length > ConversationRules.MaxModelLength || model.Any(char.IsWhiteSpace)))
        {
            return Invalid("model", $"The model is a name of 1 to {ConversationRules.MaxModelLength} characters without spaces.");
        }
        List<ImportedConversation> conversations;
        var reader = new ImportReader(timeProvider);
        try
        {
            var body = await ImportBody.ReadAsync(request, cancellationToken);
            conversations = reader.Read(body, model);
        }
        catch (ImportRefusedException e)
        {
            return Invalid(e.Field, e.Message);
        }
        var written = await store.WriteAsync(user.Id, conversations, cancellationToken);
        return TypedResults.Created(
            written.Count == 1 ? $"/v1/conversations/{written[0].Id}" : "/v1/conversations",
            new ImportResult(written, reader.Notes));
    }

    private static ValidationProblem Invalid(string field, string detail) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [detail] });
}
