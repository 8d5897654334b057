using System.Diagnostics;
using System.Globalization;
using ChatPlatform.Testing;

namespace ChatPlatform.Bench;

/// <summary>
/// Time to first token and request rate against one fake OpenAI-compatible provider with a fixed time to first token,
/// called (a) directly, (b) through our model router, (c) through Portkey's open-source gateway, in one run and with
/// one client. The added latency of a gateway is the percentile of each request's time outside the provider (its time to
/// first token less the provider's own time, from having the request to having sent the first content) minus the direct
/// call's at the same rate; the time on the way in and on the way out are shown apart. A bare .NET
/// forwarder (<see cref="BareForwarder"/>) is measured beside them as the floor of one HTTP hop on the machine.
/// Each rate is measured in interleaved rounds (direct, router, Portkey, direct, ...) so that a burst of load from
/// elsewhere on the machine falls on every target alike rather than on whichever one was running at that moment.
/// </summary>
public static partial class RouterBenchmark
{
    private const int ProviderTimeToFirstTokenMs = 50;
    private const int ContentChunks = 8;
    private const string PortkeyVersion = "1.15.2";
    private const int Rounds = 10;
    private const double BusyMachine = 0.25;
    private const double TargetAddedP50Ms = 0.5;
    private const double TargetAddedP99Ms = 2;
    private static readonly int[] DefaultRates = [100, 1000];
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan MaxWarmUp = TimeSpan.FromSeconds(60);

    private sealed record Target(string Name, Func<bool, HttpRequestMessage> NewRequest, ServerProcess? Server);


    /// <param name="args">
    /// Request rates (default 100 and 1,000 per second); <c>--seconds=N</c> per rate and target (default 10);
    /// <c>--router-env=NAME=VALUE</c> (repeatable) to try a runtime setting on the router, such as <c>DOTNET_gcServer=0</c>;
    /// <c>--baseline-env=NAME=VALUE</c> likewise for the baseline router; <c>--streaming-only</c> or <c>--non-streaming-only</c>; <c>--baseline-router=PATH</c> to the ChatPlatform.ModelRouter.dll of another build, measured in the same rounds
    /// as a fourth target, so that a change is compared with what it replaced under the same load.
    /// </param>
    public static async Task RunAsync(string[] args)
    {
        Dictionary<string, string> EnvironmentOf(string option) =>
            args.Where(a => a.StartsWith(option, StringComparison.Ordinal)).Select(a => a[option.Length..].Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        var seconds = args.Where(a => a.StartsWith("--seconds=", StringComparison.Ordinal)).Select(a => double.Parse(a["--seconds=".Length..], CultureInfo.InvariantCulture)).DefaultIfEmpty(10).Last();
        var rateArgs = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        var rates = rateArgs.Length > 0 ? rateArgs.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : DefaultRates;
        await using var provider = await StartFakeProviderAsync();
        await using var postgres = new PostgresFixture();
        await postgres.InitializeAsync();
        await using var redis = new RedisFixture();
        await redis.InitializeAsync();
        await using var router = await StartRouterAsync(provider.BaseAddress, await postgres.CreateDatabaseAsync(), redis.ConnectionString,
            EnvironmentOf("--router-env="), BuiltRouterPath());
        var baselinePath = args.Where(a => a.StartsWith("--baseline-router=", StringComparison.Ordinal)).Select(a => a["--baseline-router=".Length..]).LastOrDefault();
        await using var baseline = baselinePath is null
            ? null
            : await StartRouterAsync(provider.BaseAddress, await postgres.CreateDatabaseAsync(), redis.ConnectionString, EnvironmentOf("--baseline-env="), Path.GetFullPath(baselinePath));
        await using var forwarder = await StartBareForwarderAsync(new Uri(provider.BaseAddress, "v1/chat/completions"));
        await using var portkey = await StartPortkeyAsync();

        var providerUrl = new Uri(provider.BaseAddress, "v1/chat/completions");
        var targets = new List<Target>
        {
            new("provider directly", stream => NewRequest(providerUrl, "fake-model", stream), null),
            new("through our router", stream => NewRequest(new Uri(router.Url, "v1/chat/completions"), "bench-model", stream), router),
        };
        if (baseline is not null)
        {
            targets.Add(new("router, baseline build", stream => NewRequest(new Uri(baseline.Url, "v1/chat/completions"), "bench-model", stream), baseline));
        }
        targets.Add(new("bare .NET forwarder", stream => NewRequest(new Uri(forwarder.Url, "v1/chat/completions"), "fake-model", stream), forwarder));
        if (portkey is not null)
        {
            targets.Add(new("through Portkey " + PortkeyVersion, stream =>
            {
                var request = NewRequest(new Uri(portkey.Url, "v1/chat/completions"), "fake-model", stream);
                request.Headers.Add("x-portkey-provider", "openai");
                request.Headers.Add("x-portkey-custom-host", new Uri(provider.BaseAddress, "v1").ToString());
                return request;
            }, portkey));
        }

        // Idle connections are dropped well before the servers' keep-alive timeouts (Kestrel's is 130 s), so that a
        // connection a server is closing is never picked for a request, which would fail it on the client's side.
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 2_000, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        Console.WriteLine($"fake provider: time to first token {ProviderTimeToFirstTokenMs} ms, then {ContentChunks} chunks; open loop, {seconds:0.#} s per rate and target " +
            $"in {Rounds} interleaved rounds after a {WarmUp.TotalSeconds:0} s warm-up; {Environment.ProcessorCount} cores shared by client, provider and gateways");
        Console.WriteLine("added = the time outside the provider (time to first token less the provider's own time), the target's percentile minus the direct call's; in/out = the median way to the provider and back from its first content, each minus the direct call's; provider = its own median time; CPU = the gateway process's CPU time per request; RSS after the rate (peak)");
        var verdicts = new List<string>();
        var modes = args.Contains("--streaming-only") ? [true] : args.Contains("--non-streaming-only") ? new[] { false } : [true, false];
        foreach (var stream in modes)
        {
            Console.WriteLine();
            Console.WriteLine(stream ? "streaming: time to the first content chunk" : "non-streaming: time to the whole response");
            var warmUps = new List<string>();
            foreach (var target in targets)
            {
                warmUps.Add($"{target.Name} {await WarmUpAsync(client, target, stream, rates.Max()):0} s");
            }
            Console.WriteLine($"warm-up at {rates.Max()}/s: " + string.Join(", ", warmUps));
            Console.WriteLine($"{"target",-26} {"rate",6} {"achieved",9} {"failed",7} {"p50 ms",8} {"p99 ms",8} {"added p50",10} {"added p99",10} {"in/out p50",12} {"provider",9} {"CPU µs/req",11} {"RSS MiB",14}");
            foreach (var rate in rates)
            {
                var machineBefore = MachineCpuTime();
                var oursBefore = OwnCpuTime(targets);
                var elapsed = Stopwatch.StartNew();
                var results = targets.ToDictionary(t => t, _ => new List<LoadResult>());
                var cpu = targets.ToDictionary(t => t, _ => TimeSpan.Zero);
                for (var round = 0; round < Rounds; round++)
                {
                    foreach (var target in targets)
                    {
                        var cpuBefore = target.Server?.CpuTime() ?? TimeSpan.Zero;
                        results[target].Add(await RunLoadAsync(client, target, stream, rate, TimeSpan.FromSeconds(seconds / Rounds)));
                        cpu[target] += (target.Server?.CpuTime() ?? TimeSpan.Zero) - cpuBefore;
                    }
                }
                // CPU that neither the bench (client and provider) nor the gateways used: other work on the machine.
                var others = ((MachineCpuTime() - machineBefore) - (OwnCpuTime(targets) - oursBefore)) / elapsed.Elapsed;
                var direct = Merge(results[targets[0]]);
                foreach (var target in targets)
                {
                    var result = Merge(results[target]);
                    var ok = target != targets[0] && result.Failed < result.Sent;
                    var (addedP50, addedP99) = Added(result, direct);
                    var cpuPerRequest = target.Server is null ? "" : (cpu[target].TotalMicroseconds / result.Sent).ToString("0", CultureInfo.InvariantCulture);
                    var memory = target.Server?.Memory() is { } m ? $"{m.ResidentMiB:0} ({m.PeakMiB:0})" : "";
                    Console.WriteLine($"{target.Name,-26} {rate,6} {result.AchievedRate,9:0} {result.Failed,7} {result.P50,8:0.00} {result.P99,8:0.00} " +
                        $"{(ok ? Ms(addedP50) : ""),10} {(ok ? Ms(addedP99) : ""),10} {(ok ? $"{Ms(result.WayInP50 - direct.WayInP50)}/{Ms(result.WayOutP50 - direct.WayOutP50)}" : ""),12} {(result.Timings.Length > 0 ? Ms(result.ProviderP50) : ""),9} {cpuPerRequest,11} {memory,14}");
                    if (result.FirstError is not null)
                    {
                        Console.WriteLine($"  first error: {result.FirstError}");
                    }
                }
                Console.WriteLine($"  other processes used {others:0.00} of the {Environment.ProcessorCount} cores meanwhile (load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
                var ours = Merge(results[targets[1]]);
                var portkeyTarget = targets.FirstOrDefault(t => t.Name.StartsWith("through Portkey", StringComparison.Ordinal));
                var portkeyResult = portkeyTarget is null ? null : Merge(results[portkeyTarget]);
                var floor = Merge(results[targets.Single(t => t.Server == forwarder)]);
                var (floorP50, floorP99) = Added(floor, direct);
                verdicts.Add(Verdict(stream, rate, Added(ours, direct), portkeyResult is { Failed: 0 } p ? Added(p, direct) : null)
                    + $"; bare forwarder +{Ms(floorP50)} / +{Ms(floorP99)}"
                    + (others > BusyMachine ? $" [other processes took {others:0.00} cores: not representative]" : ""));
            }
        }
        Console.WriteLine();
        Console.WriteLine($"targets: added p50 <= {TargetAddedP50Ms} ms, added p99 <= {TargetAddedP99Ms} ms, and <= 1/4 of Portkey's added latency");
        verdicts.ForEach(Console.WriteLine);
    }

    // Past cold connections and, for .NET, until tiered compilation has settled at the highest rate to be measured: its
    // background compiler works for tens of seconds after start on 2 busy cores, and a higher rate than the warm-up's
    // reaches code the warm-up did not (more connections at once); measuring meanwhile charges start-up to every request.
    private static async Task<double> WarmUpAsync(HttpClient client, Target target, bool stream, int rate)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var compilerBefore = target.Server?.CompilerCpuTime();
            await RunLoadAsync(client, target, stream, rate, WarmUp);
            var compiling = compilerBefore is null ? TimeSpan.Zero : target.Server!.CompilerCpuTime(compilerBefore);
            if (compiling < TimeSpan.FromMilliseconds(50) || clock.Elapsed > MaxWarmUp)
            {
                return clock.Elapsed.TotalSeconds;
            }
        }
    }

    /// <summary>CPU time of the whole machine (all cores, user, nice and system; from /proc/stat).</summary>
    private static TimeSpan MachineCpuTime()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var ticks = new[] { 1, 2, 3, 6, 7 }.Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture));
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    private static TimeSpan OwnCpuTime(List<Target> targets) =>
        ServerProcess.CpuTime(Environment.ProcessId) + targets.Where(t => t.Server is not null).Aggregate(TimeSpan.Zero, (sum, t) => sum + t.Server!.CpuTime());

    /// <summary>
    /// The target's time outside the provider less the direct call's, at p50 and p99. Not the difference of the times to
    /// first token: the provider's 50 ms is a timer of 1 ms resolution, which would swallow part of a gateway's time on the
    /// way in whenever the request still arrives within the same tick as a direct one would have.
    /// </summary>
    private static (double P50, double P99) Added(LoadResult target, LoadResult direct) =>
        (target.OutsideP50 - direct.OutsideP50, target.OutsideP99 - direct.OutsideP99);

    private static string Verdict(bool stream, int rate, (double P50, double P99) ours, (double P50, double P99)? portkey)
    {
        var (p50, p99) = ours;
        var mode = stream ? "streaming" : "non-streaming";
        var absolute = $"p50 {Ms(p50)} {Met(p50, TargetAddedP50Ms)}, p99 {Ms(p99)} {Met(p99, TargetAddedP99Ms)}";
        var relative = portkey is { } p
            ? $"; vs Portkey (+{Ms(p.P50)} / +{Ms(p.P99)}): p50 {Quarter(p50, p.P50)}, p99 {Quarter(p99, p.P99)}"
            : "; Portkey: no successful run to compare with";
        return $"  {mode,-13} {rate,5}/s: {absolute}{relative}";
    }

    private static string Met(double added, double target) => added < 0 ? "within noise" : added <= target ? "met" : "missed";

    // A gateway cannot take less than no time: a negative added figure is the direct run's noise, not a result.
    private static string Quarter(double ours, double portkey) =>
        portkey <= 0 ? "not comparable (Portkey's figure is within noise)" : ours <= portkey / 4 ? "met" : "missed";

    private static string Ms(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    private static LoadResult Merge(List<LoadResult> rounds)
    {
        return new LoadResult(rounds.Sum(r => r.Sent), rounds.Sum(r => r.Failed), rounds.Average(r => r.AchievedRate),
            [.. rounds.SelectMany(r => r.Timings)], rounds.Select(r => r.FirstError).FirstOrDefault(e => e is not null));
    }
}
