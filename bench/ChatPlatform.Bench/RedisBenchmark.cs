using System.Diagnostics;
using System.Globalization;
using ChatPlatform.Redis;
using ChatPlatform.Testing;
using StackExchange.Redis;

namespace ChatPlatform.Bench;

/// <summary>
/// Operations per second through our one shared connection (concurrent callers pipelined on it) against
/// redis-benchmark on the same server, in one run so the machine's noise hits both alike.
/// </summary>
public static class RedisBenchmark
{
    private const int Operations = 400_000;

    public static async Task RunAsync(string[] args)
    {
        await using var fixture = new RedisFixture();
        await fixture.InitializeAsync();
        using var connection = RedisConnection.Connect(fixture.ConnectionString);
        var database = connection.GetDatabase();

        Console.WriteLine($"redis-server {fixture.ConnectionString}, {Operations:N0} operations each, {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"workload",-34} {"ours ops/s",12} {"redis-benchmark",16} {"ratio",7}");
        foreach (var concurrency in new[] { 1, 16, 64, 256 })
        {
            // Warm-up, then measure.
            await MeasureAsync(database, concurrency, Operations / 10, set: true);
            var ours = await MeasureAsync(database, concurrency, Operations, set: true);
            var theirs = RunRedisBenchmark(fixture.Server.Port, "set", concurrency);
            Print($"SET, {concurrency} callers in flight", ours, theirs);

            ours = await MeasureAsync(database, concurrency, Operations, set: false);
            theirs = RunRedisBenchmark(fixture.Server.Port, "get", concurrency);
            Print($"GET, {concurrency} callers in flight", ours, theirs);
        }
    }

    private static void Print(string workload, double ours, double? theirs) =>
        Console.WriteLine($"{workload,-34} {ours,12:N0} {(theirs is { } t ? t.ToString("N0", CultureInfo.InvariantCulture) : "n/a"),16} {(theirs is { } r ? (ours / r).ToString("0.00", CultureInfo.InvariantCulture) : ""),7}");

    // Each caller keeps one command in flight, so `concurrency` commands share the one connection's pipeline.
    private static async Task<double> MeasureAsync(IDatabase database, int concurrency, int operations, bool set)
    {
        var remaining = operations;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async caller =>
        {
            RedisKey key = $"bench:{caller}";
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                if (set)
                {
                    await database.StringSetAsync(key, "xxx");
                }
                else
                {
                    await database.StringGetAsync(key);
                }
            }
        }));
        return operations / stopwatch.Elapsed.TotalSeconds;
    }

    // redis-benchmark's own pipelining (-P) with the same number of commands in flight on one connection (-c 1).
    private static double? RunRedisBenchmark(int port, string test, int inFlight)
    {
        var info = new ProcessStartInfo("redis-benchmark")
        {
            ArgumentList = { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-t", test, "-n", Operations.ToString(CultureInfo.InvariantCulture),
                "-c", "1", "-P", inFlight.ToString(CultureInfo.InvariantCulture), "-d", "3", "--csv" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            // CSV: "test","rps",...
            var line = output.Split('\n').FirstOrDefault(l => l.StartsWith($"\"{test.ToUpperInvariant()}\"", StringComparison.Ordinal));
            return line is null ? null : double.Parse(line.Split(',')[1].Trim('"'), CultureInfo.InvariantCulture);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // redis-benchmark not installed (it comes with Debian's redis-tools)
        }
    }
}
