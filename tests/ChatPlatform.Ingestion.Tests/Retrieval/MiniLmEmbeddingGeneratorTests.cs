using ChatPlatform.Ingestion.Retrieval;
using Microsoft.Extensions.AI;

namespace ChatPlatform.Ingestion.Tests.Retrieval;

public sealed class MiniLmEmbeddingGeneratorTests(EmbeddingModelFixture model) : IClassFixture<EmbeddingModelFixture>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_text_gets_a_unit_vector_of_384_dimensions_in_the_order_given()
    {
        // Mixed lengths, more than one batch: the generator sorts by length inside and must put each vector back.
        var texts = Enumerable.Range(0, 70).Select(i => i % 3 == 0 ? $"short {i}" : $"a much longer sentence about item number {i} and its many properties").ToList();

        var all = await model.Generator.GenerateAsync(texts, cancellationToken: Cancellation);
        var alone = await model.Generator.GenerateVectorAsync(texts[41], cancellationToken: Cancellation);

        Assert.Equal(70, all.Count);
        Assert.All(all, e => Assert.Equal(EmbeddingOptions.ColumnDimensions, e.Vector.Length));
        Assert.All(all, e => Assert.Equal(1.0, Math.Sqrt(e.Vector.ToArray().Sum(x => (double)x * x)), 3));
        Assert.Equal(1.0, Cosine(all[41].Vector, alone), 3);
        Assert.Equal(MiniLmEmbeddingGenerator.ModelId, all[0].ModelId);
    }

    [Fact]
    public async Task Texts_that_mean_the_same_are_closer_than_texts_that_do_not()
    {
        var vectors = await model.Generator.GenerateAsync(
            ["The cat sits on the mat.", "A kitten is resting on the rug.", "Quarterly revenue rose by twelve percent."], cancellationToken: Cancellation);

        Assert.True(Cosine(vectors[0].Vector, vectors[1].Vector) > Cosine(vectors[0].Vector, vectors[2].Vector) + 0.3);
    }

    [Fact]
    public async Task Concurrent_callers_share_one_model_and_get_the_same_vectors()
    {
        const string text = "Concurrency must not change an embedding.";
        var expected = await model.Generator.GenerateVectorAsync(text, cancellationToken: Cancellation);

        var vectors = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => model.Generator.GenerateVectorAsync(text, cancellationToken: Cancellation))));

        Assert.All(vectors, v => Assert.Equal(1.0, Cosine(v, expected), 5));
    }

    [Fact]
    public async Task The_runtimes_own_thread_settings_give_the_same_vectors_as_the_configured_ones()
    {
        // The fixture's generator runs as configured by default (two intra-op threads); this one as ONNX Runtime would.
        Assert.Equal(2, new EmbeddingOptions().IntraOpThreads);
        using var runtimeDefault = new MiniLmEmbeddingGenerator(
            Microsoft.Extensions.Options.Options.Create(new EmbeddingOptions { IntraOpThreads = 0 }),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<MiniLmEmbeddingGenerator>.Instance);
        string[] texts = ["How did revenue and wool prices change?", "Shearing season starts in spring."];

        var configured = await model.Generator.GenerateAsync(texts, cancellationToken: Cancellation);
        var byDefault = await runtimeDefault.GenerateAsync(texts, cancellationToken: Cancellation);

        Assert.All(texts.Select((_, i) => Cosine(configured[i].Vector, byDefault[i].Vector)), c => Assert.Equal(1.0, c, 5));
    }

    [Fact]
    public void It_describes_itself_as_a_384_dimension_model()
    {
        var metadata = model.Generator.GetService<EmbeddingGeneratorMetadata>();

        Assert.NotNull(metadata);
        Assert.Equal(384, metadata.DefaultModelDimensions);
        Assert.Equal(MiniLmEmbeddingGenerator.ModelId, metadata.DefaultModelId);
    }

    private static double Cosine(ReadOnlyMemory<float> a, ReadOnlyMemory<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a.Span[i] * b.Span[i];
            na += a.Span[i] * a.Span[i];
            nb += b.Span[i] * b.Span[i];
        }
        return dot / Math.Sqrt(na * nb);
    }
}
