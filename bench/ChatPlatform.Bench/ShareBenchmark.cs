using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ChatPlatform.Testing.Platform;

namespace ChatPlatform.Bench;

/// <summary>
/// A shared conversation's public read through the whole platform (AppHost, Release build), signed out: the API read
/// (<c>GET /v1/shared/{id}</c> at the gateway), a miss (an unknown id, which should take about as long), and the web
/// app's server-rendered page <c>/s/{id}</c>. The share is a branch of 20 messages of about 600 characters each.
/// One client after another, after a warm-up. Argument: reads per kind (default 300).
/// </summary>
public static class ShareBenchmark
{
    private const int Messages = 20;

    public static async Task RunAsync(string[] args)
    {
        var reads = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
        await using var app = await TestPlatform.StartAsync<Projects.ChatPlatform_AppHost>(
            CancellationToken.None, [.. PlatformBenchmark.NoRateLimits, "--RateLimits:SharedReadsPerWindow=100000000", .. AppHostBenchmark.QuietLogging]);
        using var owner = new HttpClient { BaseAddress = app.Endpoint("gateway") };
        owner.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await RegisterAsync(owner));
        var shareId = await ShareAsync(owner);
        var unknown = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        using var gateway = new HttpClient { BaseAddress = app.Endpoint("gateway") };
        using var web = new HttpClient { BaseAddress = app.Endpoint("web") };

        Console.WriteLine($"shared conversation read signed out, {Messages} messages, {reads} reads each, one after another");
        Console.WriteLine($"{"read",-36} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8}");
        Report("API GET /v1/shared/{id}", await TimeAsync(gateway, $"v1/shared/{shareId}", HttpStatusCode.OK, reads));
        Report("API unknown id (404)", await TimeAsync(gateway, $"v1/shared/{unknown}", HttpStatusCode.NotFound, reads));
        Report("web page /s/{id}", await TimeAsync(web, $"s/{shareId}", HttpStatusCode.OK, reads));
    }

    private static async Task<double[]> TimeAsync(HttpClient http, string path, HttpStatusCode expected, int reads)
    {
        for (var i = 0; i < Math.Min(50, reads); i++)
        {
            await ReadAsync(http, path, expected);
        }
        var times = new double[reads];
        for (var i = 0; i < reads; i++)
        {
            var clock = Stopwatch.StartNew();
            await ReadAsync(http, path, expected);
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times;
    }

    private static async Task ReadAsync(HttpClient http, string path, HttpStatusCode expected)
    {
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != expected || body.Length == 0)
        {
            throw new InvalidOperationException($"{path}: {(int)response.StatusCode}, {body.Length} bytes");
        }
    }

    private static void Report(string name, double[] sorted) =>
        Console.WriteLine($"{name,-36} {Percentile(sorted, 0.5),8:F2} {Percentile(sorted, 0.95),8:F2} {Percentile(sorted, 0.99),8:F2}");

    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static async Task<string> ShareAsync(HttpClient http)
    {
        using var created = await http.PostAsJsonAsync("v1/conversations", new { model = "sim-fast", title = "Benchmark share", systemPrompt = "Be brief." });
        created.EnsureSuccessStatusCode();
        var conversation = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var leaf = Guid.Empty;
        for (var i = 0; i < Messages; i++)
        {
            var content = string.Concat(Enumerable.Repeat($"Message {i} with **some** Markdown, `code` and a [link](https://example.com). ", 8));
            using var appended = await http.PostAsJsonAsync($"v1/conversations/{conversation}/messages", new { content });
            appended.EnsureSuccessStatusCode();
            leaf = (await appended.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        }
        using var shared = await http.PostAsJsonAsync($"v1/conversations/{conversation}/share", new { messageId = leaf });
        shared.EnsureSuccessStatusCode();
        return (await shared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("shareId").GetString()!;
    }

    private static async Task<string> RegisterAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("v1/auth/register", new { email = $"bench-{Guid.NewGuid():N}@example.com", password = "bench password " + Guid.NewGuid() });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }
}
