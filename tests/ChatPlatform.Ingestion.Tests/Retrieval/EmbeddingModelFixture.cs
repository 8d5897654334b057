using ChatPlatform.Ingestion.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Tests.Retrieval;

/// <summary>The real all-MiniLM-L6-v2 model, loaded once per test class that uses it.</summary>
public sealed class EmbeddingModelFixture : IDisposable
{
    public IEmbeddingGenerator<string, Embedding<float>> Generator { get; } =
        new MiniLmEmbeddingGenerator(Options.Create(new EmbeddingOptions()), NullLogger<MiniLmEmbeddingGenerator>.Instance);

    public void Dispose() => Generator.Dispose();
}
