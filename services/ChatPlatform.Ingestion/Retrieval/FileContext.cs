namespace ChatPlatform.Ingestion.Retrieval;

/// <summary>The body of <c>POST /v1/files/context</c> (docs/files.md, "Internal API for chat").</summary>
/// <param name="FileIds">The files the new message attaches: each must exist, be the user's and be ready.</param>
/// <param name="EarlierFileIds">Files attached earlier in the conversation: those deleted or not ready are left out and named in <see cref="FileContext.Unavailable"/>.</param>
public sealed record FileContextRequest(IReadOnlyList<Guid>? FileIds, string? Query, int? MaxTokens, bool? Vision, IReadOnlyList<Guid>? EarlierFileIds = null);

/// <summary>What the model should see of a turn's files.</summary>
/// <param name="Unavailable">Earlier files left out: deleted, or no longer ready (the same answer for an id that was never the user's).</param>
public sealed record FileContext(
    IReadOnlyList<ContextFile> Files, IReadOnlyList<ContextPassage> Passages, IReadOnlyList<ContextImage> Images, IReadOnlyList<Guid> Unavailable);

public sealed record ContextFile(Guid Id, string Name, string MediaType, string Kind, string Status);

/// <summary>Text to quote; passages of the same file and page share <see cref="Source"/>, the number the model cites.</summary>
public sealed record ContextPassage(int Source, Guid FileId, string FileName, int? Page, string Text);

public sealed record ContextImage(Guid FileId, string FileName, string MediaType, string DataUrl, int? Width, int? Height, string? OcrText);

/// <summary>The outcome of building a context: the context, or the first file that stops it.</summary>
public abstract record FileContextResult
{
    public sealed record Built(FileContext Context) : FileContextResult;

    /// <summary>Unknown, deleted or another user's: the same answer for each, so nothing is confirmed to exist.</summary>
    public sealed record FileNotFound(Guid FileId) : FileContextResult;

    public sealed record FileNotReady(Guid FileId, string Name, string Status) : FileContextResult;
}
