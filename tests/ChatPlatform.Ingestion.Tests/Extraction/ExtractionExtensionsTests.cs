using ChatPlatform.Ingestion.Extraction;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Tests.Extraction;

public sealed class ExtractionExtensionsTests
{
    [Fact]
    public async Task Settings_are_bound_from_the_Extraction_section()
    {
        using var host = Build(new() { ["Extraction:MaxPages"] = "50", ["Extraction:FileTimeout"] = "00:02:00", ["Extraction:OcrLanguages"] = "eng+deu" });

        await host.StartAsync(TestContext.Current.CancellationToken);
        var options = host.Services.GetRequiredService<IOptions<ExtractionOptions>>().Value;
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal((50, TimeSpan.FromMinutes(2), "eng+deu"), (options.MaxPages, options.FileTimeout, options.OcrLanguages));
        Assert.IsType<DocumentExtractor>(host.Services.GetRequiredService<IDocumentExtractor>());
    }

    [Theory]
    [InlineData("Extraction:MaxPages", "0", "MaxPages")]
    [InlineData("Extraction:OcrLanguages", "eng; rm -rf /", "OcrLanguages")]
    [InlineData("Extraction:FileTimeout", "00:00:10", "FileTimeout")]
    [InlineData("Extraction:ProcessTimeout", "00:00:00", "ProcessTimeout")]
    public async Task A_setting_out_of_range_stops_the_start_naming_it(string key, string value, string named)
    {
        using var host = Build(new() { [key] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddExtraction();
        return builder.Build();
    }
}
