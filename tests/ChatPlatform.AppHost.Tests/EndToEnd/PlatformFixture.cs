namespace ChatPlatform.AppHost.Tests.EndToEnd;

/// <summary>The whole platform from the real AppHost, started once for a test class.</summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    /// <summary>A router setting in the host's environment, as a developer would export it; only the router may see it.</summary>
    public static readonly (string Name, string Value) RouterSetting = ("Routing__RecordContent", "false");

    private TestPlatform? _platform;

    public TestPlatform Platform => _platform ?? throw new InvalidOperationException("The platform has not started.");

    public async ValueTask InitializeAsync()
    {
        Environment.SetEnvironmentVariable(RouterSetting.Name, RouterSetting.Value);
        _platform = await TestPlatform.StartAsync<Projects.ChatPlatform_AppHost>(TestContext.Current.CancellationToken);
    }

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
