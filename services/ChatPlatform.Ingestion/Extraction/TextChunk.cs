namespace ChatPlatform.Ingestion.Extraction;

/// <summary>A piece of a document small enough to embed and to quote: its place, page (when the format has pages) and text.</summary>
public sealed record TextChunk(int Ordinal, int? Page, string Text, int Tokens);
