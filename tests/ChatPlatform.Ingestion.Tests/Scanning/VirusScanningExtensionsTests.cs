using System.Collections.Concurrent;
using ChatPlatform.Ingestion.Scanning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Ingestion.Tests.Scanning;

public sealed class VirusScanningExtensionsTests
{
    [Fact]
    public async Task Without_clamd_every_file_passes_and_the_log_says_once_at_start_that_scanning_is_off()
    {
        var log = new RecordingLoggerProvider();
        using var host = Build(null, log);

        await host.StartAsync(TestContext.Current.CancellationToken);
        var scanner = host.Services.GetRequiredService<IVirusScanner>();
        var result = await scanner.ScanAsync(new MemoryStream("X5O!P%@AP"u8.ToArray()), TestContext.Current.CancellationToken);
        await scanner.ScanAsync(new MemoryStream(), TestContext.Current.CancellationToken);
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.IsType<NoVirusScanner>(scanner);
        Assert.True(result.IsClean);
        var notice = Assert.Single(log.Messages, m => m.Contains("Virus scanning is off", StringComparison.Ordinal));
        Assert.Equal("Virus scanning is off: VirusScan:Clamd is not configured, so uploaded files are not scanned", notice);
    }

    [Fact]
    public async Task With_clamd_configured_files_are_scanned_by_it()
    {
        await using var clamd = new FakeClamd(FakeClamd.Behaviour.Scan);
        var log = new RecordingLoggerProvider();
        using var host = Build(clamd.Endpoint, log);

        await host.StartAsync(TestContext.Current.CancellationToken);
        var result = await host.Services.GetRequiredService<IVirusScanner>()
            .ScanAsync(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(FakeClamd.Eicar)), TestContext.Current.CancellationToken);
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal("Eicar-Test-Signature", result.Signature);
        Assert.DoesNotContain(log.Messages, m => m.Contains("Virus scanning is off", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("clamd")]
    [InlineData("clamd:")]
    [InlineData("clamd:99999")]
    [InlineData(":3310")]
    public async Task A_clamd_setting_that_is_not_host_and_port_stops_the_start(string setting)
    {
        using var host = Build(setting, new RecordingLoggerProvider());

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("VirusScan:Clamd must be host:port", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:3310", "localhost", 3310)]
    [InlineData("[::1]:3310", "::1", 3310)]
    [InlineData("10.0.0.5:1", "10.0.0.5", 1)]
    public void Host_and_port_are_read_from_the_setting(string setting, string host, int port)
    {
        Assert.True(new VirusScanOptions { Clamd = setting }.TryGetEndpoint(out var actualHost, out var actualPort));
        Assert.Equal((host, port), (actualHost, actualPort));
    }

    private static IHost Build(string? clamd, RecordingLoggerProvider log)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["VirusScan:Clamd"] = clamd });
        builder.Logging.ClearProviders().AddProvider(log);
        builder.AddVirusScanning();
        return builder.Build();
    }

    private sealed class RecordingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Recorder(Messages);

        public void Dispose()
        {
        }

        private sealed class Recorder(ConcurrentQueue<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue(formatter(state, exception));
        }
    }
}
