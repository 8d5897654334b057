namespace ChatPlatform.Ingestion.Scanning;

/// <summary>Used when no clamd is configured: every file is clean. <see cref="VirusScanningOffNotice"/> says so once at start.</summary>
public sealed class NoVirusScanner : IVirusScanner
{
    public Task<ScanResult> ScanAsync(Stream content, CancellationToken cancellationToken) => Task.FromResult(ScanResult.Clean);
}

/// <summary>Logs once at start that uploads are not scanned, so an operator who expected scanning sees it is off.</summary>
public sealed partial class VirusScanningOffNotice(ILogger<VirusScanningOffNotice> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogScanningOff(logger);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Virus scanning is off: VirusScan:Clamd is not configured, so uploaded files are not scanned")]
    private static partial void LogScanningOff(ILogger logger);
}
