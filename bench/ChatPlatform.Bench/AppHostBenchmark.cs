using System.Diagnostics;
using System.Globalization;
using ChatPlatform.AppHost.Hosting;
using ChatPlatform.Testing.Servers;
using ChatPlatform.AppHost.Hosting.Testing;

namespace ChatPlatform.Bench;

/// <summary>
/// The whole platform through the AppHost's testing model (build first): time from start to every resource healthy,
/// cold (new data folder: initdb, migrations) then warm (the same folder again, as a developer's second run), the
/// resident memory of each process after an idle period, and the time to stop.
/// Arguments: [idle seconds, default 10].
/// </summary>
public static class AppHostBenchmark
{
    private const double TargetSeconds = 20;

    public static async Task RunAsync(string[] args)
    {
        var idle = TimeSpan.FromSeconds(args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10);
        var dataDirectory = Path.Combine(Path.GetTempPath(), "chatplatform-bench", Guid.NewGuid().ToString("N"));
        var options = DistributedApplicationOptions.ForTesting() with { DataDirectory = dataDirectory, DurableStorage = true, DeleteDataDirectoryOnDispose = false };

        await RunOnceAsync("cold start (new data folder)", options, idle: null);
        await RunOnceAsync("warm start (same data folder)", options with { DeleteDataDirectoryOnDispose = true }, idle);
    }

    private static async Task RunOnceAsync(string title, DistributedApplicationOptions options, TimeSpan? idle)
    {
        Console.WriteLine($"-- {title}");
        var app = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ChatPlatform_AppHost>([], configure: null, options);
        var started = DateTimeOffset.UtcNow;
        await app.StartAsync();
        await app.WaitForAllHealthyAsync(TimeSpan.FromMinutes(3));
        var seconds = app.TimeToAllHealthy!.Value.TotalSeconds;
        Console.WriteLine($"start to all {app.Resources.Count} healthy: {seconds:0.00} s (target < {TargetSeconds} s: {(seconds < TargetSeconds ? "met" : "MISSED")})");
        foreach (var resource in app.Resources)
        {
            Console.WriteLine($"  {resource.Name,-13} healthy at {(resource.HealthyAt - started)?.TotalSeconds,6:0.00} s");
        }

        if (idle is { } wait)
        {
            await Task.Delay(wait);
            PrintMemory(app, wait);
        }

        var stopping = Stopwatch.StartNew();
        await app.DisposeAsync();
        Console.WriteLine($"stopped everything in {stopping.Elapsed.TotalSeconds:0.00} s");
    }

    private static void PrintMemory(DistributedApplication app, TimeSpan idle)
    {
        Console.WriteLine($"memory after {idle.TotalSeconds:0} s idle (VmRSS; PSS shares pages among the processes that map them):");
        long total = 0, totalProportional = 0;
        foreach (var process in ProcessRegistry.Read(app.DataDirectory).OrderBy(p => p.Resource, StringComparer.Ordinal))
        {
            // A resource's whole tree: runuser -> postmaster -> its background processes and backends.
            var tree = Descendants(process.Pid).Prepend(process.Pid).ToList();
            var kilobytes = tree.Sum(pid => ProcFs.ReadResidentKilobytes(pid) ?? 0);
            var proportional = tree.Sum(pid => ProcFs.ReadProportionalKilobytes(pid) ?? 0);
            total += kilobytes;
            totalProportional += proportional;
            Console.WriteLine($"  {process.Resource,-13} RSS {kilobytes / 1024.0,7:0.0} MiB  PSS {proportional / 1024.0,7:0.0} MiB  ({tree.Count} process{(tree.Count == 1 ? "" : "es")})");
        }
        var host = ProcFs.ReadResidentKilobytes(Environment.ProcessId) ?? 0;
        var hostProportional = ProcFs.ReadProportionalKilobytes(Environment.ProcessId) ?? 0;
        Console.WriteLine($"  {"(host)",-13} RSS {host / 1024.0,7:0.0} MiB  PSS {hostProportional / 1024.0,7:0.0} MiB  (this process: the AppHost library plus the benchmark)");
        Console.WriteLine($"  {"total",-13} RSS {(total + host) / 1024.0,7:0.0} MiB  PSS {(totalProportional + hostProportional) / 1024.0,7:0.0} MiB");
    }

    private static IEnumerable<int> Descendants(int pid) =>
        ProcFs.ReadChildren(pid).SelectMany(child => Descendants(child).Prepend(child));
}
