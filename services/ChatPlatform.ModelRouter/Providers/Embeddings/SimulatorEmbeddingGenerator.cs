using System.Text;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Routing;
using Microsoft.Extensions.AI;

namespace ChatPlatform.ModelRouter.Providers.Embeddings;

/// <summary>
/// A deterministic embedding so the path runs offline: a hashed bag of words (each lower-cased word adds ±1 at the
/// position its hash picks), normalised to unit length. Texts sharing words point the same way, so retrieval by cosine
/// behaves sensibly; it knows nothing of meaning. The simulated failures are injected as the chat simulator does.
/// </summary>
public sealed class SimulatorEmbeddingGenerator(string providerModel, int defaultDimensions, SimulatorSettings settings)
    : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new("chatplatform.simulator", null, providerModel, defaultDimensions);

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        switch (settings.Failure)
        {
            case SimulatedFailure.ErrorBeforeFirstToken or SimulatedFailure.ErrorMidStream:
                throw new ProviderException("Simulated provider error.", statusCode: 500, isTransient: true);
            case SimulatedFailure.RateLimited:
                throw new ProviderException("Simulated rate limit.", statusCode: 429, isTransient: true,
                    retryAfter: TimeSpan.FromSeconds(settings.RetryAfterSeconds));
            case SimulatedFailure.Hang:
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
                break;
        }
        var dimensions = options?.Dimensions ?? defaultDimensions;
        var inputs = values.ToList();
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(inputs.Select(text => new Embedding<float>(Embed(text, dimensions))))
        {
            Usage = new UsageDetails { InputTokenCount = inputs.Sum(t => TokenEstimator.FromCharacters(t.Length)) },
        };
        embeddings.Usage.TotalTokenCount = embeddings.Usage.InputTokenCount;
        return embeddings;
    }

    public static float[] Embed(string text, int dimensions)
    {
        var vector = new float[dimensions];
        var any = false;
        foreach (var word in Words(text))
        {
            Add(vector, word);
            any = true;
        }
        if (!any)
        {
            // Only punctuation or spaces: still a unit vector, and still this text's own.
            Add(vector, text);
        }
        var length = MathF.Sqrt(vector.Sum(v => v * v));
        if (length == 0)
        {
            // Words that cancelled out exactly; any fixed unit vector will do.
            vector[0] = 1;
            return vector;
        }
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] /= length;
        }
        return vector;
    }

    private static void Add(float[] vector, string word)
    {
        var hash = Fnv1a(word);
        vector[(int)(hash % (uint)vector.Length)] += (hash & 0x8000_0000) == 0 ? 1 : -1;
    }

    private static IEnumerable<string> Words(string text)
    {
        var word = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLowerInvariant(c));
            }
            else if (word.Length > 0)
            {
                yield return word.ToString();
                word.Clear();
            }
        }
        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }

    private static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 16777619u;
        }
        return hash;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
