namespace ChatPlatform.Ingestion.Retrieval;

/// <summary>The body of <c>POST /v1/files/context</c> (docs/files.md, "Internal API for chat").</summary>
public sealed record FileContextRequest(IReadOnlyList<Guid>? FileIds, string? Query, int? MaxTokens, bool? Vision);

/// <summary>What the model should see of a turn's files.</summary>
public sealed record FileContext(IReadOnlyList<ContextFile> Files, IReadOnlyList<ContextPassage> Passages, IReadOnlyList<ContextImage> Images);

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
