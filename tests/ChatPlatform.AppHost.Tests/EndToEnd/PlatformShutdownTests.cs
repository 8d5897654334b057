namespace ChatPlatform.AppHost.Tests.EndToEnd;

[Collection(nameof(OwnPlatformCollection))]
public sealed class PlatformShutdownTests
{
    [Fact]
    public async Task Stopping_the_platform_leaves_no_process_it_started_running()
    {
        var ct = TestContext.Current.CancellationToken;
        var platform = await TestPlatform.StartAsync<Projects.ChatPlatform_AppHost>(ct);
        var started = platform.Resources.Where(r => r is ProjectResource or ExecutableResource)
            .Select(r => (r.Name, Pid: platform.ProcessId(r.Name))).ToList();
        // With what they started themselves: PostgreSQL's backends under its shell, Azurite under node.
        var processes = started.SelectMany(p => Descendants(p.Pid).Prepend(p.Pid).Select(pid => (p.Name, Pid: pid, Started: StartTime(pid)))).ToList();

        await platform.DisposeAsync();
        // Stopping is asynchronous below the host; give the processes the 10 s a stop may take.
        for (var waited = 0; waited < 100 && processes.Any(p => StartTime(p.Pid) == p.Started); waited++)
        {
            await Task.Delay(100, ct);
        }

        Assert.Equal(["billing", "blobs", "chat", "gateway", "ingestion", "model-router", "postgres", "redis", "web"], started.Select(p => p.Name).Order());
        Assert.All(processes, p => Assert.True(StartTime(p.Pid) != p.Started, $"{p.Name}: pid {p.Pid} ({CommandLine(p.Pid)}) still runs"));
    }

    private static IEnumerable<int> Descendants(int pid) =>
        Directory.EnumerateDirectories($"/proc/{pid}/task")
            .SelectMany(task => File.Exists($"{task}/children") ? File.ReadAllText($"{task}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries) : [])
            .Select(int.Parse)
            .SelectMany(child => Descendants(child).Prepend(child));

    private static string CommandLine(int pid) =>
        File.Exists($"/proc/{pid}/cmdline") ? File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ') : "gone";

    // With the pid, names a process for good: a pid reused by a new process has another start time.
    private static string? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
