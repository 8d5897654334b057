using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatPlatform.Testing.Files;
using ChatPlatform.Testing.Platform;

namespace ChatPlatform.Bench;

/// <summary>
/// Files through the whole platform (AppHost, Release build, the local embedding model): (1) upload → ready of a
/// 20-page PDF, each upload new bytes so none is deduplicated; (2) time to first token of a turn with two attached
/// documents (a 100-page one, too large for the budget and so retrieved with the question, and a 3-page one, whole)
/// beside the same turn without, alternating in one run on sim-fast (first token after 50 ms). Argument: turns per side
/// (default 40).
/// </summary>
public static class FilesBenchmark
{
    private const int Uploads = 5;

    public static async Task RunAsync(string[] args)
    {
        var turns = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 40;
        await using var app = await TestPlatform.StartAsync<Projects.ChatPlatform_AppHost>(
            CancellationToken.None, [.. PlatformBenchmark.NoRateLimits, .. AppHostBenchmark.QuietLogging]);
        using var http = new HttpClient { BaseAddress = app.Endpoint("gateway"), Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await RegisterAsync(http));

        Console.WriteLine($"upload → ready, 20-page PDF ({Document(20, 0).Length / 1024} KB), {Uploads} uploads one after another");
        var readyMs = new List<double>();
        var large = Guid.Empty;
        for (var i = 0; i < Uploads; i++)
        {
            var clock = Stopwatch.StartNew();
            large = await UploadAsync(http, Document(20, i), $"report-{i}.pdf");
            await WaitUntilReadyAsync(http, large);
            readyMs.Add(clock.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"  p50 {Percentile(readyMs, 0.5):F0} ms, min {readyMs.Min():F0} ms, max {readyMs.Max():F0} ms (first includes loading the model: {readyMs[0]:F0} ms)");

        // 100 pages (about 37,000 tokens) pass sim-fast's file budget (about 14,000): that one is retrieved, not sent whole.
        large = await UploadAsync(http, Document(100, 98), "handbook.pdf");
        await WaitUntilReadyAsync(http, large);
        var small = await UploadAsync(http, Document(3, 99), "notes.pdf");
        await WaitUntilReadyAsync(http, small);
        // Two conversations: a file attached once stays on its conversation's path and goes with every later turn there.
        var plain = await CreateConversationAsync(http);
        var withFiles = await CreateConversationAsync(http);
        var without = new List<double>();
        var with = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            await TimeToFirstTokenAsync(http, plain, []);
            await TimeToFirstTokenAsync(http, withFiles, [large, small]);
        }
        for (var i = 0; i < turns; i++)
        {
            without.Add(await TimeToFirstTokenAsync(http, plain, []));
            with.Add(await TimeToFirstTokenAsync(http, withFiles, [large, small]));
        }
        Console.WriteLine();
        Console.WriteLine($"time to first token through the gateway, {turns} turns each, alternating (sim-fast: 50 ms to its first token)");
        Console.WriteLine($"{"turn",-30} {"p50 ms",8} {"p95 ms",8}");
        Console.WriteLine($"{"no files",-30} {Percentile(without, 0.5),8:F1} {Percentile(without, 0.95),8:F1}");
        Console.WriteLine($"{"two documents attached",-30} {Percentile(with, 0.5),8:F1} {Percentile(with, 0.95),8:F1}");
        Console.WriteLine($"{"added",-30} {Percentile(with, 0.5) - Percentile(without, 0.5),8:F1} {Percentile(with, 0.95) - Percentile(without, 0.95),8:F1}");
    }

    /// <summary>A PDF of <paramref name="pages"/> pages of about 1,500 characters each, different for each <paramref name="seed"/>.</summary>
    private static byte[] Document(int pages, int seed)
    {
        string[] topics = ["alpaca wool", "quarterly revenue", "shearing season", "herd health", "export markets", "feed costs", "breeding plans"];
        return MinimalPdf.Create([.. Enumerable.Range(1, pages).Select(page =>
        {
            var text = new StringBuilder();
            var topic = topics[(page + seed) % topics.Length];
            for (var sentence = 0; text.Length < 1_500; sentence++)
            {
                text.Append(CultureInfo.InvariantCulture, $"Page {page} of edition {seed} discusses {topic}, point {sentence}: figures rose by {(page * 7 + sentence) % 23} percent. ");
            }
            return text.ToString();
        })]);
    }

    private static async Task<string> RegisterAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("v1/auth/register", new { email = $"bench-{Guid.NewGuid():N}@example.com", password = "bench password " + Guid.NewGuid() });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private static async Task<Guid> UploadAsync(HttpClient http, byte[] bytes, string name)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", name } };
        using var response = await http.PostAsync("v1/files", form);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task WaitUntilReadyAsync(HttpClient http, Guid id)
    {
        while (true)
        {
            var file = await http.GetFromJsonAsync<JsonElement>($"v1/files/{id}");
            switch (file.GetProperty("status").GetString())
            {
                case "ready":
                    return;
                case "pending" or "processing":
                    await Task.Delay(20);
                    break;
                case var status:
                    throw new InvalidOperationException($"file {id} ended {status}: {file}");
            }
        }
    }

    private static async Task<Guid> CreateConversationAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("v1/conversations", new { model = "sim-fast" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task<double> TimeToFirstTokenAsync(HttpClient http, Guid conversation, Guid[] fileIds)
    {
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/conversations/{conversation}/turns")
        {
            Content = JsonContent.Create(new { content = "How did revenue and wool prices change?", fileIds }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"turn refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        double first = double.NaN;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (double.IsNaN(first) && line == "event: delta")
            {
                first = clock.Elapsed.TotalMilliseconds;
            }
            if (line is "event: done" or "event: error")
            {
                break;
            }
        }
        return first;
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}
