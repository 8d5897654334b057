namespace ChatPlatform.AppHost.Tests.EndToEnd;

/// <summary>The whole platform from the real AppHost, started once for a test class.</summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    private TestPlatform? _platform;

    public TestPlatform Platform => _platform ?? throw new InvalidOperationException("The platform has not started.");

    public async ValueTask InitializeAsync() =>
        _platform = await TestPlatform.StartAsync<Projects.ChatPlatform_AppHost>(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }
    }
}

/// <summary>Full-platform tests run one after another: two platforms at once would only slow each other down.</summary>
[CollectionDefinition(nameof(FullPlatformCollection))]
public sealed class FullPlatformCollection;
