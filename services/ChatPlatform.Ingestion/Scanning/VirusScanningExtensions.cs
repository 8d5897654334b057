using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatPlatform.Ingestion.Scanning;

public static class VirusScanningExtensions
{
    /// <summary>clamd when <c>VirusScan:Clamd</c> names it; otherwise a scanner that passes everything and says so at start.</summary>
    public static IHostApplicationBuilder AddVirusScanning(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<VirusScanOptions>().BindConfiguration(VirusScanOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => !o.Enabled || o.TryGetEndpoint(out _, out _), "VirusScan:Clamd must be host:port, e.g. localhost:3310.")
            .Validate(o => o.Timeout > TimeSpan.Zero, "VirusScan:Timeout must be positive.")
            .ValidateOnStart();

        // Read once here: whether scanning is on is decided at start, like every other setting of the service.
        var enabled = builder.Configuration.GetSection(VirusScanOptions.SectionName).Get<VirusScanOptions>()?.Enabled ?? false;
        if (enabled)
        {
            builder.Services.TryAddSingleton(TimeProvider.System);
            builder.Services.AddSingleton<IVirusScanner, ClamdScanner>();
        }
        else
        {
            builder.Services.AddSingleton<IVirusScanner, NoVirusScanner>();
            builder.Services.AddHostedService<VirusScanningOffNotice>();
        }
        return builder;
    }
}
