using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers;
using ChatPlatform.ModelRouter.Providers.Embeddings;

namespace ChatPlatform.ModelRouter.Tests.Embeddings;

public sealed class SimulatorEmbeddingGeneratorTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static float Cosine(ReadOnlyMemory<float> a, ReadOnlyMemory<float> b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a.Span[i] * b.Span[i];
        }
        return sum;
    }

    [Fact]
    public async Task Embeddings_are_deterministic_unit_vectors_closer_for_texts_sharing_words()
    {
        using var generator = new SimulatorEmbeddingGenerator("sim-embed", 384, new SimulatorSettings());

        var first = await generator.GenerateAsync(["The invoice is due in March", "the INVOICE is due in march!", "Penguins live in Antarctica", "..."], cancellationToken: Token);
        var again = await generator.GenerateAsync(["The invoice is due in March"], cancellationToken: Token);

        Assert.All(first, e => Assert.Equal(384, e.Vector.Length));
        Assert.All(first, e => Assert.Equal(1f, Cosine(e.Vector, e.Vector), 4));
        Assert.Equal(first[0].Vector.ToArray(), again[0].Vector.ToArray());
        Assert.Equal(1f, Cosine(first[0].Vector, first[1].Vector), 4);
        Assert.True(Cosine(first[0].Vector, first[2].Vector) < 0.5f);
        Assert.Equal(7 + 7 + 7 + 1, first.Usage?.InputTokenCount);
    }

    [Fact]
    public async Task Dimensions_asked_for_are_honoured_and_simulated_failures_are_transient_provider_errors()
    {
        using var generator = new SimulatorEmbeddingGenerator("sim-embed", 384, new SimulatorSettings());
        using var failing = new SimulatorEmbeddingGenerator("sim-embed", 384, new SimulatorSettings(Failure: SimulatedFailure.RateLimited, RetryAfterSeconds: 3));

        var shorter = await generator.GenerateAsync(["a b c"], new() { Dimensions = 16 }, Token);
        var error = await Assert.ThrowsAsync<ProviderException>(() => failing.GenerateAsync(["a"], cancellationToken: Token));

        Assert.Equal(16, shorter[0].Vector.Length);
        Assert.Equal((429, true, TimeSpan.FromSeconds(3)), (error.StatusCode, error.IsTransient, error.RetryAfter));
    }
}
