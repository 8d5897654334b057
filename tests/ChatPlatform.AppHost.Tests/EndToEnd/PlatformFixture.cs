namespace ChatPlatform.AppHost.Tests.EndToEnd;

/// <summary>The whole platform from the real AppHost entry point, started once for a test class, on a temporary data folder and free ports.</summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The platform has not started.");

    public async ValueTask InitializeAsync()
    {
        _app = await StartAsync(TestContext.Current.CancellationToken);
    }

    public static async Task<DistributedApplication> StartAsync(CancellationToken cancellationToken)
    {
        var app = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ChatPlatform_AppHost>([], cancellationToken);
        try
        {
            await app.StartAsync(cancellationToken);
            await app.WaitForAllHealthyAsync(StartTimeout, cancellationToken);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>Full-platform tests run one after another: two platforms at once would only slow each other down.</summary>
[CollectionDefinition(nameof(FullPlatformCollection))]
public sealed class FullPlatformCollection;
