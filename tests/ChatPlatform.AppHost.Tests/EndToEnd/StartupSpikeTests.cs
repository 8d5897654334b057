namespace ChatPlatform.AppHost.Tests.EndToEnd;

public sealed class StartupSpikeTests
{
    [Fact]
    public async Task Spike()
    {
        await using var p = await TestPlatform.StartAsync<Projects.ChatPlatform_AppHost>(TestContext.Current.CancellationToken);
        Console.WriteLine(p.DescribeResources());
    }
}
