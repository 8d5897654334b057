using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatPlatform.Ingestion.Extraction;

public static class ExtractionExtensions
{
    /// <summary>Text extraction and chunking, bounded by section <c>Extraction</c>.</summary>
    public static IHostApplicationBuilder AddExtraction(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ExtractionOptions>().BindConfiguration(ExtractionOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.ProcessTimeout > TimeSpan.Zero && o.FileTimeout >= o.ProcessTimeout,
                "Extraction:ProcessTimeout must be positive and Extraction:FileTimeout at least as long.")
            .ValidateOnStart();
        builder.Services.AddExtraction();
        return builder;
    }

    /// <summary>The services alone, for hosts that bind <see cref="ExtractionOptions"/> themselves (tests, the bench).</summary>
    public static IServiceCollection AddExtraction(this IServiceCollection services)
    {
        services.AddOptions<ExtractionOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ProcessRunner>();
        services.AddSingleton<TesseractOcr>();
        services.AddSingleton<OoxmlPackageGuard>();
        services.AddSingleton<PdfTextExtractor>();
        services.AddSingleton<OfficeTextExtractor>();
        services.AddSingleton<ImageTextExtractor>();
        services.AddSingleton<IDocumentExtractor, DocumentExtractor>();
        services.AddSingleton<TextChunker>();
        return services;
    }
}
