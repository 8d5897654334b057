namespace ChatPlatform.Web.Tests.Browser;

/// <summary>The browser tests' failure record: what a failed test's pages showed and logged, and the servers' last lines, are saved; its pages closed.</summary>
public sealed class PageRecorderTests(BrowserPlatform platform)
{
    [Fact]
    public async Task A_failed_test_leaves_a_screenshot_and_the_console_log_of_its_page_and_its_pages_are_closed()
    {
        var page = await platform.NewPageAsync();
        await page.GotoAsync("signin");
        var marker = $"recorder-{Guid.NewGuid():N}";
        await page.EvaluateAsync("marker => console.warn(marker)", marker);
        var name = $"{nameof(PageRecorderTests)}-{marker}";

        // As the assembly's hook does when a test fails (this one passes, so its own end saves nothing).
        await PageRecorder.EndTestAsync(TestContext.Current.Test!.UniqueID, name, failed: true);

        var screenshot = new FileInfo(Path.Combine(PageRecorder.FailuresDirectory, name + "-0.png"));
        Assert.True(screenshot.Exists && screenshot.Length > 0, $"No screenshot at {screenshot.FullName}");
        var log = await File.ReadAllTextAsync(Path.Combine(PageRecorder.FailuresDirectory, name + "-0.log"), TestContext.Current.CancellationToken);
        Assert.Contains($"warning: {marker}", log, StringComparison.Ordinal);
        Assert.Contains("/signin", log, StringComparison.Ordinal);
        Assert.Contains("web:", await File.ReadAllTextAsync(Path.Combine(PageRecorder.FailuresDirectory, name + "-server.log"), TestContext.Current.CancellationToken),
            StringComparison.Ordinal);
        Assert.True(page.IsClosed);
    }

    [Fact]
    public async Task A_passed_test_saves_nothing_and_its_pages_are_closed()
    {
        var page = await platform.NewPageAsync();
        var name = $"{nameof(PageRecorderTests)}-{Guid.NewGuid():N}";

        await PageRecorder.EndTestAsync(TestContext.Current.Test!.UniqueID, name, failed: false);

        Assert.False(File.Exists(Path.Combine(PageRecorder.FailuresDirectory, name + "-0.png")));
        Assert.True(page.IsClosed);
    }
}
