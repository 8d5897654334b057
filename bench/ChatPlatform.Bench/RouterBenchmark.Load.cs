using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace ChatPlatform.Bench;

// The open-loop load: numbered requests, each timed to its first content and matched with the provider's own times.
public static partial class RouterBenchmark
{
    // When the fake provider had each request in hand and when it had sent the answer's first content, by the
    // request's number (its message ends with it), so that a gateway's added time splits into the way in and the way out.
    private static readonly ConcurrentDictionary<int, (long Arrived, long Answered)> ProviderTimes = new();
    private static readonly HttpRequestOptionsKey<int> RequestNumber = new("bench-request-number");
    private static int LastRequestNumber;

    /// <summary>
    /// Per request, in ms: to the first content; to the provider's having the request (way in); the provider's own
    /// time, from having the request to having sent the first content; from then to the client's having it (way out).
    /// </summary>
    private readonly record struct Timing(double Total, double WayIn, double Provider)
    {
        public double WayOut => Total - WayIn - Provider;

        /// <summary>
        /// The time spent outside the provider. It leaves out any delay a gateway's load caused the provider itself,
        /// which shares the machine; <see cref="Provider"/> per target shows whether there was any.
        /// </summary>
        public double Outside => Total - Provider;
    }

    private sealed record LoadResult(int Sent, int Failed, double AchievedRate, Timing[] Timings, string? FirstError)
    {
        public double P50 => Percentile(Timings, t => t.Total, 0.50);

        public double P99 => Percentile(Timings, t => t.Total, 0.99);

        public double OutsideP50 => Percentile(Timings, t => t.Outside, 0.50);

        public double OutsideP99 => Percentile(Timings, t => t.Outside, 0.99);

        public double WayInP50 => Percentile(Timings, t => t.WayIn, 0.50);

        public double WayOutP50 => Percentile(Timings, t => t.WayOut, 0.50);

        public double ProviderP50 => Percentile(Timings, t => t.Provider, 0.50);
    }

    private static (System.Net.Http.Headers.AuthenticationHeaderValue Header, DateTime MintedAt)? _serviceToken;

    // The router wants an internal token (the bench starts it with the test key); one a minute, so minting stays out of
    // the figures.
    private static System.Net.Http.Headers.AuthenticationHeaderValue ServiceToken()
    {
        if (_serviceToken is not { } token || DateTime.UtcNow - token.MintedAt > TimeSpan.FromMinutes(1))
        {
            _serviceToken = token = (ChatPlatform.Testing.InternalTokens.Service(), DateTime.UtcNow);
        }
        return token.Header;
    }

    private static HttpRequestMessage NewRequest(Uri url, string model, bool stream)
    {
        var number = Interlocked.Increment(ref LastRequestNumber);
        var body = stream
            ? $$"""{"model":"{{model}}","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Say hello #{{number}}"}]}"""
            : $$"""{"model":"{{model}}","messages":[{"role":"user","content":"Say hello #{{number}}"}]}""";
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = ServiceToken();
        request.Options.Set(RequestNumber, number);
        return request;
    }

    // Open loop: requests start on schedule whether or not earlier ones finished, and each is timed from its
    // scheduled start, so a gateway that falls behind shows it in its percentiles (no coordinated omission).
    private static async Task<LoadResult> RunLoadAsync(HttpClient client, Target target, bool stream, int rate, TimeSpan duration)
    {
        var total = (int)(rate * duration.TotalSeconds);
        var latencies = new ConcurrentBag<Timing>();
        var failed = 0;
        string? firstError = null;
        var requests = new List<Task>(total);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }
            var scheduled = Stopwatch.GetTimestamp() - (long)((clock.Elapsed - due).TotalSeconds * Stopwatch.Frequency);
            requests.Add(Task.Run(async () =>
            {
                try
                {
                    latencies.Add(await TimeToFirstTokenAsync(client, target.NewRequest(stream), stream, scheduled));
                }
                catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or InvalidOperationException)
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message, null);
                }
            }));
        }
        var sendingTime = clock.Elapsed;
        await Task.WhenAll(requests);
        return new LoadResult(total, failed, total / Math.Max(sendingTime.TotalSeconds, duration.TotalSeconds), [.. latencies], firstError);
    }

    private static async Task<Timing> TimeToFirstTokenAsync(HttpClient client, HttpRequestMessage request, bool stream, long scheduled)
    {
        using var _ = request;
        var number = request.Options.TryGetValue(RequestNumber, out var n) ? n : throw new InvalidOperationException("a request without a number");
        try
        {
            var total = await TimeToFirstTokenMsAsync(client, request, stream, scheduled);
            // A request the provider has no record of counts as failed, so that every figure comes from the same requests.
            var provider = ProviderTimes.TryGetValue(number, out var times)
                ? times
                : throw new InvalidOperationException($"the provider has no record of request {number}");
            return new Timing(total, ToMs(provider.Arrived - scheduled), ToMs(provider.Answered - provider.Arrived));
        }
        finally
        {
            ProviderTimes.TryRemove(number, out var _);
        }

        static double ToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
    }

    private static async Task<double> TimeToFirstTokenMsAsync(HttpClient client, HttpRequestMessage request, bool stream, long scheduled)
    {
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode}: {Truncate(await response.Content.ReadAsStringAsync())}");
        }
        if (!stream)
        {
            await response.Content.ReadAsStringAsync();
            return Stopwatch.GetElapsedTime(scheduled).TotalMilliseconds;
        }
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        double? firstToken = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            // The first content that is not empty: the role chunk's "content":"" is not a token.
            if (firstToken is null && line.StartsWith("data:", StringComparison.Ordinal) && line.Contains("\"content\":\"", StringComparison.Ordinal)
                && !line.Contains("\"content\":\"\"", StringComparison.Ordinal))
            {
                firstToken = Stopwatch.GetElapsedTime(scheduled).TotalMilliseconds;
            }
            if (line.Contains("\"error\"", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("error event: " + Truncate(line));
            }
        }
        return firstToken ?? throw new InvalidOperationException("the stream ended without a content chunk");
    }

    private static string Truncate(string text) => text.Length > 200 ? text[..200] + "…" : text;

    private static double Percentile(Timing[] timings, Func<Timing, double> figure, double p)
    {
        double[] sorted = [.. timings.Select(figure).Order()];
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}
