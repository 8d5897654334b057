using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using ChatPlatform.Testing.Platform;
using ChatPlatform.Testing.Servers;

namespace ChatPlatform.Bench;

/// <summary>
/// The whole platform through the Aspire AppHost (build first): time from start to every resource healthy, cold (new
/// data folder: initdb, migrations) then warm (the same folder again, as a developer's second run), the resident memory
/// of each process after an idle period, and the time to stop.
/// <c>apphost [idle seconds, default 10]</c> starts it in this process through Aspire.Hosting.Testing;
/// <c>apphost run [idle seconds]</c> as a developer does, <c>dotnet run --project ChatPlatform.AppHost --no-build</c>,
/// until the gateway's and web's <c>/health</c> answer 200, then stops it with Ctrl+C (SIGINT).
/// </summary>
public static partial class AppHostBenchmark
{
    private const double WarmTargetSeconds = 10;
    private const double StopTargetSeconds = 10;
    private const string OurOwnHost = "our own host (last measured): cold 5.8 s, warm 4.4 s, 906 MiB RSS idle";

    /// <summary>
    /// AppHost settings that keep the benchmark's console to its figures: the resources' output (a failed start still
    /// shows its last lines) and the failing health checks of a start are not logged here.
    /// </summary>
    internal static readonly string[] QuietLogging =
    [
        "--Logging:LogLevel:Default=Warning",
        "--Logging:LogLevel:ChatPlatform.AppHost.Resources=None",
        "--Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks=None",
    ];

    private sealed record Figures(double StartSeconds, double StopSeconds, double? TotalRssMiB);

    public static async Task RunAsync(string[] args)
    {
        if (args is ["run", .. var rest])
        {
            await RunDotnetRunAsync(rest);
            return;
        }
        var idle = TimeSpan.FromSeconds(args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10);
        var dataDirectory = Path.Combine(Path.GetTempPath(), "chatplatform-bench", Guid.NewGuid().ToString("N"));
        try
        {
            var cold = await RunOnceAsync("cold start (new data folder)", dataDirectory, idle: null);
            var warm = await RunOnceAsync("warm start (same data folder)", dataDirectory, idle);
            PrintComparison(cold, warm);
        }
        finally
        {
            TryDelete(dataDirectory);
        }
    }

    private static async Task<Figures> RunOnceAsync(string title, string dataDirectory, TimeSpan? idle)
    {
        Console.WriteLine($"-- {title}, Aspire.Hosting.Testing in this process");
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var platform = await TestPlatform.StartAsync<Projects.ChatPlatform_AppHost>(dataDirectory, keepDataDirectory: true, CancellationToken.None, QuietLogging);
        var seconds = clock.Elapsed.TotalSeconds;
        List<(string Name, List<int> Tree)> processes;
        try
        {
            var resources = platform.Resources.ToList();
            Console.WriteLine($"start to all {resources.Count} resources healthy: {seconds:0.00} s (from creating the builder, as the AppHost's Main does)");
            foreach (var resource in resources.OrderBy(r => platform.HealthyAt.GetValueOrDefault(r.Name)))
            {
                var at = platform.HealthyAt.TryGetValue(resource.Name, out var healthy) ? $"{(healthy - started).TotalSeconds,6:0.00} s" : "     ?";
                Console.WriteLine($"  {resource.Name,-13} healthy at {at}");
            }
            processes = ResourceProcesses(platform);
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }

        double? total = null;
        if (idle is { } wait)
        {
            await Task.Delay(wait);
            processes = ResourceProcesses(platform);
            total = PrintMemory(wait, [.. processes, .. OrchestratorProcesses(processes), ("(host)", [Environment.ProcessId])],
                "(host) is this process: the AppHost library plus the benchmark");
        }

        var all = processes.Concat(OrchestratorProcesses(processes)).SelectMany(p => p.Tree).ToList();
        var stopping = Stopwatch.StartNew();
        var gone = WaitUntilGoneAsync(all, stopping, TimeSpan.FromSeconds(30));
        await platform.DisposeAsync();
        var disposed = stopping.Elapsed.TotalSeconds;
        var stop = await gone;
        Console.WriteLine($"stopped: DisposeAsync returned after {disposed:0.00} s; every process gone after {stop.Seconds:0.00} s{stop.Detail}");
        return new Figures(seconds, stop.Seconds, total);
    }

    /// <summary>Each project and executable resource: the process the host reports and what it started (a service under `dotnet run`, PostgreSQL's backends).</summary>
    private static List<(string Name, List<int> Tree)> ResourceProcesses(TestPlatform platform) =>
        [.. platform.Resources.Where(r => r is ProjectResource or ExecutableResource)
            .Select(r => (r.Name, Tree: Tree(platform.ProcessId(r.Name)).ToList()))
            .OrderBy(p => p.Name, StringComparer.Ordinal)];

    /// <summary>
    /// Aspire's orchestrator, DCP: its API server runs detached, watching the AppHost's process (<c>--monitor</c>), with
    /// its controllers (and their endpoint proxies) and a process monitor per resource below it; plus anything else under
    /// this process. Grouped by program, without the resources' own processes.
    /// </summary>
    private static List<(string Name, List<int> Tree)> OrchestratorProcesses(List<(string Name, List<int> Tree)> resources)
    {
        var own = resources.SelectMany(p => p.Tree).ToHashSet();
        return [.. Dcp(Environment.ProcessId).Concat(Tree(Environment.ProcessId).Skip(1)).Where(pid => !own.Contains(pid)).Distinct()
            .GroupBy(Name)
            .Select(g => ($"({g.Key})", g.ToList()))
            .OrderBy(p => p.Item1, StringComparer.Ordinal)];
    }

    /// <summary>The DCP API server that watches <paramref name="appHostPid"/>, and everything under it.</summary>
    internal static IEnumerable<int> Dcp(int appHostPid) =>
        ProcFs.AllProcessIds()
            .Where(pid => ProcFs.ReadCommandLine(pid)?.ToArray() is [var program, "start-apiserver", .. var rest]
                && Path.GetFileName(program) == "dcp"
                && rest.SkipWhile(a => a != "--monitor").Skip(1).FirstOrDefault() == appHostPid.ToString(CultureInfo.InvariantCulture))
            .SelectMany(Tree)
            .ToList();

    /// <summary>Prints RSS and PSS of each group of processes and its programs; returns the total RSS in MiB.</summary>
    private static double PrintMemory(TimeSpan idle, IEnumerable<(string Name, List<int> Tree)> groups, string note)
    {
        Console.WriteLine($"memory after {idle.TotalSeconds:0} s idle (VmRSS; PSS shares pages among the processes that map them):");
        long total = 0, totalProportional = 0;
        foreach (var (name, tree) in groups)
        {
            var kilobytes = tree.Sum(pid => ProcFs.ReadResidentKilobytes(pid) ?? 0);
            var proportional = tree.Sum(pid => ProcFs.ReadProportionalKilobytes(pid) ?? 0);
            total += kilobytes;
            totalProportional += proportional;
            var programs = tree.GroupBy(Name).Select(g => $"{(g.Count() == 1 ? "" : $"{g.Count()} × ")}{g.Key} {g.Sum(pid => ProcFs.ReadResidentKilobytes(pid) ?? 0) / 1024.0:0}");
            Console.WriteLine($"  {name,-28} RSS {kilobytes / 1024.0,7:0.0} MiB  PSS {proportional / 1024.0,7:0.0} MiB  ({string.Join(", ", programs)})");
        }
        Console.WriteLine($"  {"total",-28} RSS {total / 1024.0,7:0.0} MiB  PSS {totalProportional / 1024.0,7:0.0} MiB  ({note})");
        return total / 1024.0;
    }

    /// <summary>
    /// Polls until every process of <paramref name="pids"/> (named by pid and start time, so a reused pid does not count)
    /// is gone; returns when that was on <paramref name="clock"/>, and which were the last to go or still run.
    /// </summary>
    private static async Task<(double Seconds, string Detail)> WaitUntilGoneAsync(List<int> pids, Stopwatch clock, TimeSpan limit)
    {
        var running = pids.Distinct().Select(pid => (Pid: pid, Started: ProcFs.ReadStartTime(pid), Name: Name(pid))).Where(p => p.Started is not null).ToList();
        var goneAt = new List<(string Name, double Seconds)>();
        while (running.Count > 0 && clock.Elapsed < limit)
        {
            await Task.Delay(20);
            foreach (var process in running.Where(p => ProcFs.ReadStartTime(p.Pid) != p.Started).ToList())
            {
                running.Remove(process);
                goneAt.Add((process.Name, clock.Elapsed.TotalSeconds));
            }
        }
        var last = goneAt.OrderByDescending(g => g.Seconds).Take(3).Select(g => $"{g.Name} at {g.Seconds:0.00} s");
        return running.Count == 0
            ? (clock.Elapsed.TotalSeconds, $" (last: {string.Join(", ", last)})")
            : (double.NaN, $" ({running.Count} still running after {limit.TotalSeconds:0} s: {string.Join(", ", running.Select(p => $"{p.Pid} {p.Name}"))})");
    }

    private static void PrintComparison(Figures cold, Figures warm)
    {
        Console.WriteLine();
        Console.WriteLine($"Aspire AppHost: cold {cold.StartSeconds:0.0} s, warm {warm.StartSeconds:0.0} s, {warm.TotalRssMiB:0} MiB RSS idle; stop {cold.StopSeconds:0.0} s (cold), {warm.StopSeconds:0.0} s (warm)");
        Console.WriteLine(OurOwnHost);
        var stop = Math.Max(cold.StopSeconds, warm.StopSeconds);
        Console.WriteLine($"targets: warm start < {WarmTargetSeconds:0} s: {Met(warm.StartSeconds < WarmTargetSeconds)}; " +
            $"stop < {StopTargetSeconds:0} s: {Met(stop < StopTargetSeconds)}");
    }

    private static string Met(bool met) => met ? "met" : "MISSED";

    private static IEnumerable<int> Tree(int pid) => ProcFs.ReadChildren(pid).SelectMany(Tree).Prepend(pid);

    /// <summary>
    /// What a process runs, short: a .NET service's name, <c>dotnet run</c> (the launcher Aspire puts before each
    /// project), <c>dcp monitor-process</c>, <c>postgres: walwriter</c>, or the program's file name.
    /// </summary>
    private static string Name(int pid)
    {
        if (ProcFs.ReadCommandLine(pid)?.ToArray() is not [var first, .. var rest])
        {
            return "gone";
        }
        var program = Path.GetFileName(first.Split(' ')[0]);
        return (program, rest) switch
        {
            ("dotnet", [var dll, ..]) when dll.EndsWith(".dll", StringComparison.Ordinal) => Path.GetFileNameWithoutExtension(dll),
            ("dotnet" or "dcp", [var verb, ..]) => $"{program} {verb}",
            ("postgres:", _) => "postgres (backends, workers)",
            _ => program,
        };
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.WriteLine($"note: {directory} could not be deleted ({e.Message})");
        }
    }
}
