namespace ChatPlatform.Ingestion.Retrieval;

/// <summary>A chunk a search found, with its reciprocal-rank score (higher is better).</summary>
public sealed record RetrievedChunk(Guid FileId, int Ordinal, int? Page, string Text, int Tokens, double Score);
