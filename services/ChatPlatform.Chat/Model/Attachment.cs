namespace ChatPlatform.Chat.Model;

/// <summary>A file a user message attached, as ingestion described it when the message was written.</summary>
public sealed record Attachment(Guid Id, string Name, string MediaType, string Kind);

/// <summary>A numbered source an answer cited: <c>[Source]</c> in its text is <see cref="FileName"/>, at <see cref="Page"/> when known.</summary>
public sealed record Citation(int Source, Guid FileId, string FileName, int? Page);
