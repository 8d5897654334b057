using System.Collections.Concurrent;
using System.Reflection;
using System.Text;
using Xunit.v3;

[assembly: ChatPlatform.Web.Tests.Browser.RecordPages]

namespace ChatPlatform.Web.Tests.Browser;

/// <summary>
/// The pages each browser test opened, with their console, kept until the test ends. A failed test leaves a screenshot
/// of each page, its console log and the web's and gateway's last log lines under
/// <c>test-artifacts/failures/</c>, so a flake explains itself; every test's
/// browser contexts are then closed, so their circuits do not stay open on the web server for the rest of the run
/// (74 tests left 74 live pages and circuits by the end of a full run).
/// </summary>
public static class PageRecorder
{
    public static string FailuresDirectory { get; } = Path.Combine(BrowserPlatform.ArtifactsDirectory, "failures");

    private static readonly ConcurrentDictionary<string, ConcurrentQueue<RecordedPage>> PagesByTest = new();

    /// <summary>The last lines the platform's web and gateway printed, saved beside a failed test's pages (set by the fixture).</summary>
    public static Func<string>? ServerLogs { get; set; }

    /// <summary>Follows a page opened by the running test (outside a test, such as in a fixture, it is not followed).</summary>
    public static void Track(IPage page)
    {
        if (TestContext.Current.Test?.UniqueID is not { } testId)
        {
            return;
        }
        var recorded = new RecordedPage(page);
        page.Console += (_, message) => recorded.Log($"{message.Type}: {message.Text}");
        page.PageError += (_, error) => recorded.Log($"pageerror: {error}");
        page.FrameNavigated += (_, frame) =>
        {
            if (frame.ParentFrame is null)
            {
                recorded.Log($"navigated: {frame.Url}");
            }
        };
        PagesByTest.GetOrAdd(testId, _ => new()).Enqueue(recorded);
    }

    /// <summary>Saves the test's pages when it failed, then closes their contexts.</summary>
    public static async Task EndTestAsync(string testId, string testName, bool failed)
    {
        if (!PagesByTest.TryRemove(testId, out var pages))
        {
            return;
        }
        if (failed && ServerLogs is { } serverLogs)
        {
            Directory.CreateDirectory(FailuresDirectory);
            await File.WriteAllTextAsync(Path.Combine(FailuresDirectory, FileNameOf(testName) + "-server.log"), serverLogs());
        }
        var index = 0;
        foreach (var recorded in pages)
        {
            if (failed)
            {
                await SaveAsync(recorded, $"{FileNameOf(testName)}-{index++}");
            }
            try
            {
                await recorded.Page.Context.CloseAsync();
            }
            catch (PlaywrightException)
            {
                // Already closed by the test, or the browser went away: nothing left to free.
            }
        }
    }

    private static async Task SaveAsync(RecordedPage recorded, string name)
    {
        Directory.CreateDirectory(FailuresDirectory);
        var screenshot = Path.Combine(FailuresDirectory, name + ".png");
        try
        {
            await recorded.Page.ScreenshotAsync(new() { Path = screenshot, FullPage = true, Timeout = 5_000 });
        }
        catch (PlaywrightException e)
        {
            recorded.Log($"screenshot failed: {e.Message}");
        }
        var log = Path.Combine(FailuresDirectory, name + ".log");
        var url = recorded.Page.IsClosed ? "(closed)" : recorded.Page.Url;
        await File.WriteAllTextAsync(log, $"url: {url}{Environment.NewLine}{recorded.Text()}");
        TestContext.Current.TestOutputHelper?.WriteLine($"Saved the page at failure: {screenshot} and {log}");
    }

    private static string FileNameOf(string testName)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var name = new string([.. testName.Select(c => invalid.Contains(c) || c == ' ' ? '_' : c)]);
        return name.Length <= 120 ? name : name[^120..];
    }

    private sealed class RecordedPage(IPage page)
    {
        private readonly ConcurrentQueue<string> _lines = new();
        private readonly DateTimeOffset _opened = DateTimeOffset.UtcNow;

        public IPage Page { get; } = page;

        public void Log(string line) => _lines.Enqueue($"+{(DateTimeOffset.UtcNow - _opened).TotalSeconds:0.000}s {line}");

        public string Text()
        {
            var text = new StringBuilder();
            foreach (var line in _lines)
            {
                text.AppendLine(line);
            }
            return text.ToString();
        }
    }
}

/// <summary>Ends each test's pages through the <see cref="PageRecorder"/> (applied to the whole assembly).</summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class RecordPagesAttribute : BeforeAfterTestAttribute
{
    // After runs once the test's result is known (TestState is set before it) and before the next test starts; xunit's
    // hook is synchronous, so the saving runs on the thread pool and is waited for.
    public override void After(MethodInfo methodUnderTest, IXunitTest test)
    {
        var failed = TestContext.Current.TestState?.Result == TestResult.Failed;
        var name = test.TestDisplayName.Replace(typeof(RecordPagesAttribute).Namespace + ".", "", StringComparison.Ordinal);
        Task.Run(() => PageRecorder.EndTestAsync(test.UniqueID, name, failed))
            .GetAwaiter().GetResult();
    }
}
