using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Chat.Model;

namespace ChatPlatform.Chat.Services;

/// <summary>
/// Decides, before a turn writes anything, what it sends of files: every file attached on its path (so a follow-up
/// question still sees an earlier file) and the files the new message attaches, asked of ingestion with the question as
/// the query, within half the model's budget, as images only when the model sees them. A file ingestion cannot give
/// (unknown, another user's, not ready) or ingestion being down stops the turn before it writes.
/// </summary>
public sealed class TurnAttachments(AttachmentStore store, IngestionClient ingestion)
{
    /// <summary>The most files ingestion's context takes in one call (docs/files.md).</summary>
    public const int MaxFilesPerContext = 20;

    /// <param name="contextBudget">When given, the history the question would be sent is read too (<see cref="TurnFilesResult.Ready.Read"/>).</param>
    public async Task<TurnFilesResult> ForTurnAsync(
        Guid userId, Guid conversationId, AppendMessageRequest request, RouterModels models, CancellationToken cancellationToken,
        int? contextBudget = null)
    {
        // An edit that names no files keeps those of the message it edits; a new message without them attaches none.
        var keepEdited = request.ParentIdGiven && request.FileIds is null;
        if (await store.ReadForTurnAsync(userId, conversationId, request.ParentId, request.ParentIdGiven, keepEdited, cancellationToken, contextBudget)
            is not { } path)
        {
            return new TurnFilesResult.ConversationNotFound();
        }
        var newFiles = request.FileIds ?? [.. path.Edited.Select(a => a.Id)];
        var result = await AskAsync(userId, path, newFiles, request.Content!, models, cancellationToken);
        return result is TurnFilesResult.Ready ready ? ready with { Read = path } : result;
    }

    public async Task<TurnFilesResult> ForRegenerateAsync(
        Guid userId, Guid conversationId, Guid answerId, RouterModels models, CancellationToken cancellationToken)
    {
        if (await store.ReadForRegenerateAsync(userId, conversationId, answerId, cancellationToken) is not { } path)
        {
            return new TurnFilesResult.ConversationNotFound();
        }
        // No such answer: the write finds none either and answers 404.
        return path.Question is { } question
            ? await AskAsync(userId, path, [], question, models, cancellationToken)
            : new TurnFilesResult.Ready(TurnFiles.None, path.Model);
    }

    private async Task<TurnFilesResult> AskAsync(
        Guid userId, PathFiles path, IReadOnlyList<Guid> newFiles, string query, RouterModels models, CancellationToken cancellationToken)
    {
        // The newest earlier files, as many as fit beside the new ones in what ingestion takes at once.
        var earlier = path.Path.Select(p => p.File.Id).Distinct().Except(newFiles).ToList();
        earlier = earlier[Math.Max(0, earlier.Count - (MaxFilesPerContext - newFiles.Count))..];
        // A model the router does not offer: the write refuses the turn (422) without the files.
        if (earlier.Count + newFiles.Count == 0 || !models.Models.TryGetValue(path.Model, out var model))
        {
            return new TurnFilesResult.Ready(TurnFiles.None, path.Model);
        }
        var answer = await ingestion.GetContextAsync(
            userId, new FileContextRequest(newFiles, earlier, query, ContextBuilder.FilesBudget(model), model.Vision), cancellationToken);
        if (answer is not FileContextResult.Found { Context: var context })
        {
            return new TurnFilesResult.Refused(answer);
        }
        // Never images to a model that cannot take them: the router would refuse the whole request.
        if (!model.Vision)
        {
            context = context with { Images = [] };
        }
        var described = context.Files.GroupBy(f => f.Id).ToDictionary(g => g.Key, g => g.First());
        var attachments = newFiles.Select(id => described[id]).Select(f => new Attachment(f.Id, f.Name, f.MediaType, f.Kind)).ToList();
        var byMessage = path.Path.GroupBy(p => p.MessageId).ToDictionary(g => g.Key, g => (IReadOnlyList<Guid>)[.. g.Select(p => p.File.Id)]);
        var names = path.Path.GroupBy(p => p.File.Id).ToDictionary(g => g.Key, g => g.First().File.Name);
        List<string> notices =
        [
            .. context.Unavailable.Select(id => $"{names[id]} is no longer available and was not sent."),
            .. model.Vision ? [] : context.Files.Where(f => f.Kind == "image")
                .Select(f => $"{f.Name} was sent as its text: {model.DisplayName ?? model.Id} cannot see images."),
        ];
        return new TurnFilesResult.Ready(new TurnFiles(context, byMessage, attachments, notices), path.Model);
    }
}

public abstract record TurnFilesResult
{
    /// <param name="Model">The conversation's model as read with the path (the write checks it again).</param>
    public sealed record Ready(TurnFiles Files, string? Model = null) : TurnFilesResult
    {
        /// <summary>What was read before the turn is written: its conversation's model, system prompt and, when asked, history.</summary>
        public PathFiles? Read { get; init; }
    }

    public sealed record ConversationNotFound : TurnFilesResult;

    /// <summary>Ingestion could not give a file (or could not be reached): the turn is refused, nothing written.</summary>
    public sealed record Refused(FileContextResult Reason) : TurnFilesResult;
}
