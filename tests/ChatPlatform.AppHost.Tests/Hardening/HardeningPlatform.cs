using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace ChatPlatform.AppHost.Tests.Hardening;

/// <summary>Starting a platform of one's own for an attack or a fault, and killing and restarting its processes.</summary>
public static class HardeningPlatform
{
    public const string AdminEmail = "hardening-admin@example.com";

    /// <summary>Limits high enough that a fuzz run reaches the handlers rather than the rate limiter, and a known admin.</summary>
    public static readonly string[] FuzzSettings =
    [
        "--RateLimits:Tiers:free:RequestsPerMinute=1000000", "--RateLimits:Tiers:free:TurnsPerMinute=1000000",
        "--RateLimits:Tiers:pro:RequestsPerMinute=1000000", "--RateLimits:Tiers:pro:TurnsPerMinute=1000000",
        $"--Auth:AdminEmail={AdminEmail}",
    ];

    public static Task<TestPlatform> StartAsync(CancellationToken ct, params string[] settings) =>
        TestPlatform.StartAsync<Projects.ChatPlatform_AppHost>(ct, settings);

    /// <summary>
    /// SIGKILLs a resource's process and everything it started (PostgreSQL's backends under its shell, a project under
    /// its <c>dotnet run</c>), children first so none is left to be adopted and carry on.
    /// </summary>
    public static void Kill(TestPlatform platform, string resource)
    {
        var root = platform.ProcessId(resource);
        foreach (var pid in Descendants(root).Reverse().Append(root))
        {
            ChatPlatform.Testing.Servers.UnixSignals.Send(pid, ChatPlatform.Testing.Servers.UnixSignals.SigKill);
        }
    }

    /// <summary>
    /// After a kill: waits for the host to see the resource stop, or run again under another pid, and answers whether
    /// the host restarted it by itself (DCP does not restart an executable or project that died, as far as seen here).
    /// </summary>
    public static async Task<bool> WaitUntilStoppedAsync(TestPlatform platform, string resource, int killedPid, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(TimeSpan.FromSeconds(60));
        var state = await platform.App.Services.GetRequiredService<ResourceNotificationService>().WaitForResourceAsync(resource, e =>
            KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text)
            || (e.Snapshot.State?.Text == KnownResourceStates.Running
                && e.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } pid
                && Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture) != killedPid), wait.Token);
        return !KnownResourceStates.TerminalStates.Contains(state.Snapshot.State?.Text);
    }

    /// <summary>Starts a stopped resource with the dashboard's Start command and waits until it is healthy again.</summary>
    public static async Task StartAgainAsync(TestPlatform platform, string resource, CancellationToken ct)
    {
        var result = await platform.App.Services.GetRequiredService<ResourceCommandService>()
            .ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, ct);
        Assert.True(result.Success, $"starting {resource} again: {result.Message}");
        await WaitHealthyAsync(platform, resource, ct);
    }

    public static async Task WaitHealthyAsync(TestPlatform platform, string resource, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(TimeSpan.FromSeconds(120));
        try
        {
            await platform.App.Services.GetRequiredService<ResourceNotificationService>().WaitForResourceHealthyAsync(resource, wait.Token);
        }
        catch (DistributedApplicationException e)
        {
            // Its last output (why it did not start) streams in just after its state changes.
            await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None);
            throw new InvalidOperationException(
                $"{e.Message}{Environment.NewLine}  the last lines {resource} printed:{Environment.NewLine}{platform.LastLinesOf(resource)}", e);
        }
    }

    /// <summary>Waits until <paramref name="probe"/> succeeds, trying every 100 ms, and answers how long it took.</summary>
    public static async Task<TimeSpan> TimeUntilAsync(Func<CancellationToken, Task<bool>> probe, TimeSpan limit, string what, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
                attempt.CancelAfter(TimeSpan.FromSeconds(10));
                if (await probe(attempt.Token))
                {
                    return clock.Elapsed;
                }
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                // not yet: refused, reset, or a step that did not hold
            }
            await Task.Delay(100, ct);
        }
        throw new Xunit.Sdk.XunitException($"{what} did not happen within {limit.TotalSeconds:0} s.");
    }

    /// <summary>Prints a line to the test's output and, as it happens, to <c>hardening.log</c> beside the tests (a hung run still shows its progress).</summary>
    public static void Report(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        lock (LogLock)
        {
            File.AppendAllText(Path.Combine(AppContext.BaseDirectory, "hardening.log"), $"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {line}{Environment.NewLine}");
        }
    }

    private static readonly Lock LogLock = new();

    private static IEnumerable<int> Descendants(int pid) =>
        (Directory.Exists($"/proc/{pid}/task") ? Directory.EnumerateDirectories($"/proc/{pid}/task") : [])
            .SelectMany(task => File.Exists($"{task}/children") ? File.ReadAllText($"{task}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries) : [])
            .Select(int.Parse)
            .SelectMany(child => Descendants(child).Prepend(child));
}
