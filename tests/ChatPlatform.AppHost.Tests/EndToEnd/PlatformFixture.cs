// One platform at a time: two at once on a small machine would only slow each other down.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace ChatPlatform.AppHost.Tests.EndToEnd;

/// <summary>The whole platform from the real AppHost, started once for the tests that share it.</summary>
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

/// <summary>The tests that share one platform (a start and stop costs about 20 s).</summary>
[CollectionDefinition(nameof(SharedPlatformCollection))]
public sealed class SharedPlatformCollection : ICollectionFixture<PlatformFixture>;

/// <summary>The tests that start a platform of their own, to stop it or to see it fail.</summary>
[CollectionDefinition(nameof(OwnPlatformCollection))]
public sealed class OwnPlatformCollection;
