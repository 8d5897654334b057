using ChatPlatform.Ingestion.Extraction;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatPlatform.Ingestion.Tests.Extraction;

/// <summary>The extractor as the service wires it, with options a test may tighten.</summary>
internal static class Extractors
{
    public static ServiceProvider Services(Action<ExtractionOptions>? configure = null, TimeProvider? timeProvider = null)
    {
        var services = new ServiceCollection().AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        if (timeProvider is not null)
        {
            services.AddSingleton(timeProvider);
        }
        services.AddExtraction();
        services.Configure(configure ?? (_ => { }));
        return services.BuildServiceProvider();
    }

    public static async Task<ExtractedDocument> ExtractAsync(byte[] content, string mediaType, Action<ExtractionOptions>? configure = null)
    {
        await using var services = Services(configure);
        return await services.GetRequiredService<IDocumentExtractor>()
            .ExtractAsync(new MemoryStream(content), mediaType, TestContext.Current.CancellationToken);
    }

    public static async Task<ExtractionException> FailsAsync(byte[] content, string mediaType, Action<ExtractionOptions>? configure = null) =>
        await Assert.ThrowsAsync<ExtractionException>(() => ExtractAsync(content, mediaType, configure));
}
