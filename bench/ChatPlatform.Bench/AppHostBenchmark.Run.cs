using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using ChatPlatform.Testing.Servers;

namespace ChatPlatform.Bench;

// `apphost run`: the AppHost as a developer runs it, `dotnet run` in its own session, stopped as Ctrl+C stops it.
public static partial class AppHostBenchmark
{
    private static readonly (string Service, int Port)[] Published = [("ChatPlatform.Gateway", 5000), ("ChatPlatform.Web", 5080)];
    private static readonly HashSet<int> TakenBeforeStart = [];

    private static async Task RunDotnetRunAsync(string[] args)
    {
        var idle = TimeSpan.FromSeconds(args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10);
        foreach (var (service, port) in Published.Where(p => !IsFree(p.Port)))
        {
            Console.WriteLine($"note: port {port} is in use, so {service} gets another: its /health is polled where the process listens once it runs.");
            TakenBeforeStart.Add(port);
        }
        if (DashboardElsewhere.Environment is not null)
        {
            Console.WriteLine("note: the dashboard's ports 18888-18890 are in use; it runs on free ports, without the launch profile.");
        }
        var dataDirectory = Path.Combine(Path.GetTempPath(), "chatplatform-bench", Guid.NewGuid().ToString("N"));
        try
        {
            var cold = await RunDotnetRunOnceAsync("cold start (new data folder)", dataDirectory, idle: null);
            var warm = await RunDotnetRunOnceAsync("warm start (same data folder)", dataDirectory, idle);
            PrintComparison(cold, warm);
        }
        finally
        {
            TryDelete(dataDirectory);
        }
    }

    private static async Task<Figures> RunDotnetRunOnceAsync(string title, string dataDirectory, TimeSpan? idle)
    {
        var configuration = typeof(AppHostBenchmark).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var project = Path.Combine(RepositoryRoot.Find(), "ChatPlatform.AppHost");
        Console.WriteLine($"-- {title}: dotnet run --project ChatPlatform.AppHost --no-build -c {configuration} -- --DataDirectory=...");
        var output = new Queue<string>();
        var clock = Stopwatch.StartNew();
        // Its own session (setsid): its pid is also its process group's, which a terminal's Ctrl+C signals as a whole.
        var host = ChildProcess.Start("dotnet", ["run", "--project", project, "--no-build", "-c", configuration, .. DashboardElsewhere.Arguments, "--", $"--DataDirectory={dataDirectory}"],
            (line, _) =>
            {
                lock (output)
                {
                    output.Enqueue(line);
                    if (output.Count > 60)
                    {
                        output.Dequeue();
                    }
                }
            },
            RepositoryRoot.Find(), DashboardElsewhere.Environment);
        double seconds;
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
            while (!await AllHealthyAsync(http, host.Id))
            {
                if (host.HasExited || clock.Elapsed > TimeSpan.FromMinutes(3))
                {
                    lock (output)
                    {
                        throw new InvalidOperationException(
                            $"the gateway's and web's /health did not answer 200 " +
                            $"({(host.HasExited ? "the host exited" : "3 minutes")}); it wrote:{Environment.NewLine}{string.Join(Environment.NewLine, output)}");
                    }
                }
                await Task.Delay(100);
            }
            seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"start to gateway and web healthy: {seconds:0.00} s (from `dotnet run`, built)");
        }
        catch
        {
            // DCP runs detached: should the host be killed, it would only stop once it notices.
            var started = Everything(host.Id).Skip(1).Select(pid => (Pid: pid, Started: ProcFs.ReadStartTime(pid))).ToList();
            await host.StopAsync(TimeSpan.FromSeconds(20), UnixSignals.SigInt, signalPid: -host.Id);
            foreach (var (pid, _) in started.Where(p => ProcFs.ReadStartTime(p.Pid) is { } s && s == p.Started))
            {
                UnixSignals.Send(pid, UnixSignals.SigTerm);
            }
            throw;
        }

        double? total = null;
        if (idle is { } wait)
        {
            await Task.Delay(wait);
            total = PrintMemory(wait, Everything(host.Id).GroupBy(Name).Select(g => (g.Key, g.ToList())).OrderBy(g => g.Key, StringComparer.Ordinal),
                "every process under `dotnet run`, and DCP, by program");
        }

        // What it started, and any store on this data folder: a child left behind would be reparented away from the tree.
        var processes = Everything(host.Id).Concat(OnDataFolder(dataDirectory)).ToList();
        var stopping = Stopwatch.StartNew();
        var gone = WaitUntilGoneAsync(processes, stopping, TimeSpan.FromSeconds(30));
        UnixSignals.Send(-host.Id, UnixSignals.SigInt);
        var exitCode = await Task.WhenAny(host.Exited, Task.Delay(TimeSpan.FromSeconds(30))) == host.Exited ? host.Exited.Result : (int?)null;
        var exited = stopping.Elapsed.TotalSeconds;
        var stop = await gone;
        Console.WriteLine($"stopped (SIGINT to its process group, as Ctrl+C): dotnet run exited {(exitCode is null ? "not within 30 s" : $"with {exitCode} after {exited:0.00} s")}; " +
            $"every process gone after {stop.Seconds:0.00} s{stop.Detail}");
        await host.DisposeAsync();
        return new Figures(seconds, stop.Seconds, total);
    }

    /// <summary>`dotnet run`, the AppHost under it, what they started, and the detached DCP watching the AppHost.</summary>
    private static List<int> Everything(int dotnetRun)
    {
        var tree = Tree(dotnetRun).ToList();
        return [.. tree.Concat(tree.SelectMany(Dcp)).Distinct()];
    }

    private static async Task<bool> AllHealthyAsync(HttpClient http, int dotnetRun)
    {
        foreach (var url in HealthUrls(dotnetRun))
        {
            if (url is null)
            {
                return false;
            }
            try
            {
                using var response = await http.GetAsync(url);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    return false;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The launch profile's dashboard ports (18888-18890), or, when another host holds them, its settings on free ports
    /// instead (without the profile, which would override them).
    /// </summary>
    private static readonly (string[] Arguments, Dictionary<string, string?>? Environment) DashboardElsewhere = new[] { 18888, 18889, 18890 }.All(IsFree)
        ? ([], null)
        : (["--no-launch-profile"], new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true",
            ["ASPNETCORE_URLS"] = $"http://localhost:{FreePort.Next()}",
            ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{FreePort.Next()}",
            ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{FreePort.Next()}",
        });

    /// <summary>
    /// Where the gateway's and web's <c>/health</c> answer: their published ports when free before the start; else the
    /// address each service's process was given (its <c>ASPNETCORE_URLS</c>), null until it runs.
    /// </summary>
    private static IEnumerable<Uri?> HealthUrls(int dotnetRun) =>
        Published.Select(p => !TakenBeforeStart.Contains(p.Port)
            ? new Uri($"http://localhost:{p.Port}/health")
            : Everything(dotnetRun).Where(pid => Name(pid) == p.Service).Select(ListensOn).FirstOrDefault(url => url is not null));

    private static Uri? ListensOn(int pid)
    {
        try
        {
            var urls = File.ReadAllText($"/proc/{pid}/environ").Split('\0')
                .FirstOrDefault(v => v.StartsWith("ASPNETCORE_URLS=", StringComparison.Ordinal))?["ASPNETCORE_URLS=".Length..];
            var http = urls?.Split(';').FirstOrDefault(u => u.StartsWith("http://", StringComparison.Ordinal));
            return http is null ? null : new Uri(new Uri(http.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal)), "health");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Processes whose command line names the data folder: postgres, Azurite, the AppHost.</summary>
    private static IEnumerable<int> OnDataFolder(string dataDirectory) =>
        ProcFs.AllProcessIds()
            .Where(pid => pid != Environment.ProcessId && ProcFs.ReadCommandLine(pid) is { } command && command.Any(a => a.Contains(dataDirectory, StringComparison.Ordinal)));

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
