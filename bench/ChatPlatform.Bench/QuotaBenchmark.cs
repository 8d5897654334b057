using System.Diagnostics;
using ChatPlatform.Quotas;
using ChatPlatform.Redis;
using ChatPlatform.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatPlatform.Bench;

/// <summary>
/// What the quota check adds to a turn's start: the reservation is one awaited Lua script on the start's path, so its
/// latency is what is added. Measured against a real redis-server beside a plain GET round trip (the floor of any
/// Redis call) in one run, one caller and 16 callers in flight, with the tier's day and month limits and a model's
/// day limit and request rate set (every window checked and held); then a whole turn's start with and without quotas
/// (QuotaBenchmark.TurnStart.cs). Target: at most 0.5 ms p50 added. Arguments: <c>--samples N</c> (reservations, 20,000)
/// and <c>--turns N</c> (turn starts each way, 1,000).
/// </summary>
public static partial class QuotaBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var samples = Argument(args, "--samples", 20_000);
        var turns = Argument(args, "--turns", 1_000);
        await using var fixture = new RedisFixture();
        await fixture.InitializeAsync();
        using var connection = RedisConnection.Connect(fixture.ConnectionString);
        var options = new QuotaOptions();
        var tier = options.For("free");
        // Limits no sample reaches: every sample is a full check and hold, never an early refusal.
        tier.Daily.Tokens = tier.Monthly.Tokens = long.MaxValue / 4;
        tier.Daily.CostUsd = tier.Monthly.CostUsd = 1_000_000m;
        tier.Models["bench-model"] = new ModelQuotaOptions { Daily = { Tokens = long.MaxValue / 4 }, RequestsPerMinute = 1_000_000_000 };
        var gate = new QuotaGate(new RedisBreaker(connection), new Fixed(options), TimeProvider.System, NullLogger<QuotaGate>.Instance);
        var database = connection.GetDatabase();

        Console.WriteLine($"redis-server {fixture.ConnectionString}, {samples:N0} samples each, {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"operation",-44} {"p50 ms",8} {"p99 ms",8}");
        foreach (var concurrency in new[] { 1, 16 })
        {
            // Warm-up, then measure: each caller is a user of its own, as turns of different users are.
            await MeasureAsync(concurrency, samples / 10, _ => database.StringGetAsync("bench:none"));
            var floor = await MeasureAsync(concurrency, samples, _ => database.StringGetAsync("bench:none"));
            await MeasureAsync(concurrency, samples / 10, user => gate.ReserveAsync(user, "free", "bench-model", 4_000, 0.01m));
            var reserve = await MeasureAsync(concurrency, samples, user => gate.ReserveAsync(user, "free", "bench-model", 4_000, 0.01m));
            Print($"GET round trip, {concurrency} in flight", floor);
            Print($"reservation (4 windows + rate), {concurrency} in flight", reserve);
        }
        await MeasureTurnStartsAsync(fixture, turns);
    }

    private static int Argument(string[] args, string name, int fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var n) && n > 0 ? n : fallback;

    private static void Print(string name, double[] sorted) =>
        Console.WriteLine($"{name,-44} {Percentile(sorted, 0.50),8:0.000} {Percentile(sorted, 0.99),8:0.000}");

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private static async Task<double[]> MeasureAsync(int concurrency, int samples, Func<Guid, Task> operation)
    {
        var latencies = new double[samples];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            var user = Guid.NewGuid();
            int i;
            while ((i = Interlocked.Increment(ref next)) < samples)
            {
                var started = Stopwatch.GetTimestamp();
                await operation(user);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }));
        Array.Sort(latencies);
        return latencies;
    }

    private sealed class Fixed(QuotaOptions value) : IOptionsMonitor<QuotaOptions>
    {
        public QuotaOptions CurrentValue => value;

        public QuotaOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<QuotaOptions, string?> listener) => null;
    }
}
