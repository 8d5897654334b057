using ChatPlatform.AppHost.Hosting.Local;

namespace ChatPlatform.AppHost.Tests.EndToEnd;

[Collection(nameof(FullPlatformCollection))]
public sealed class PlatformShutdownTests
{
    [Fact]
    public async Task Disposing_the_platform_leaves_no_process_it_started_running()
    {
        var ct = TestContext.Current.CancellationToken;
        var app = await PlatformFixture.StartAsync(ct);
        var recorded = ProcessRegistry.Read(app.DataDirectory);
        // Including what the recorded ones started themselves: the postmaster under runuser, its backends.
        var descendants = recorded.SelectMany(p => Descendants(p.Pid)).Select(pid => (Pid: pid, Started: ProcFs.ReadStartTime(pid))).ToList();

        await app.DisposeAsync();

        Assert.Equal(
            ["billing", "chat", "gateway", "ingestion", "model-router", "postgres", "redis", "web"],
            recorded.Select(p => p.Resource).Order());
        Assert.All(recorded, p => Assert.False(p.IsRunning(), $"{p.Resource} (pid {p.Pid}) still runs"));
        Assert.All(descendants, d => Assert.True(ProcFs.ReadStartTime(d.Pid) != d.Started, $"pid {d.Pid} still runs"));
        Assert.All(app.Resources, r => Assert.Equal(ResourceState.Stopped, r.State));
        Assert.False(Directory.Exists(app.DataDirectory));
    }

    private static IEnumerable<int> Descendants(int pid) =>
        ProcFs.ReadChildren(pid).SelectMany(child => Descendants(child).Prepend(child));
}
