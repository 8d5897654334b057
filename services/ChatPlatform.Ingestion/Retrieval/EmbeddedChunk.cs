using ChatPlatform.Ingestion.Extraction;

namespace ChatPlatform.Ingestion.Retrieval;

/// <summary>A chunk and its embedding, as <c>ingestion.chunks</c> stores it.</summary>
public sealed record EmbeddedChunk(TextChunk Chunk, ReadOnlyMemory<float> Embedding);
