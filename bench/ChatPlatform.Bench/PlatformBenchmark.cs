using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using ChatPlatform.ModelRouter.Model;
using ChatPlatform.ModelRouter.Providers.Simulator;
using ChatPlatform.Testing.Platform;
using ChatPlatform.Testing.Servers;
using Microsoft.Extensions.AI;
using Npgsql;

namespace ChatPlatform.Bench;

/// <summary>
/// The whole platform started by the AppHost (Release build), one instance of each service, with a simulated model at a
/// fixed time to first token. In one run:
/// (1) time to first token seen by a client through gateway → chat → router, against the router alone and the
///     simulator alone (in this process), at 100 and 1,000 concurrent conversations, each sending a turn, reading the
///     answer to its end, then pausing a few seconds as a person would;
/// (2) turns persisted per second, conversations sending back to back (answer rows counted in PostgreSQL);
/// (3) open streams held by one gateway and one chat instance and the memory each costs (a slow model keeps them open).
/// Arguments: [open streams, default 10000] [concurrency levels..., default 100 1000]; or `streams N [prompt characters]`
/// for (3) alone, after a short warm-up, each stream asking with a prompt that many characters longer (what a stream
/// holds of its context shows in chat's memory).
/// Each open stream holds a socket in every process on its path: run it with a raised file limit (`ulimit -n 65536`) where allowed.
/// </summary>
public static class PlatformBenchmark
{
    private const string FastModel = "bench-sim";
    private const string SlowModel = "bench-slow";
    private const int TimeToFirstTokenMs = 50;
    private const int TokensPerSecond = 200;
    private const int AnswerTokens = 20;
    private static readonly TimeSpan ThinkTime = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LevelDuration = TimeSpan.FromSeconds(20);

    /// <param name="HeadersMs">When the response headers arrived: for a turn, once both messages are committed.</param>
    private sealed record Sample(double TimeToFirstTokenMs, bool Failed, string? Error, double HeadersMs = double.NaN);

    public static async Task RunAsync(string[] args)
    {
        if (args is ["streams", var count, .. var rest])
        {
            await RunOpenStreamsAsync(int.Parse(count, CultureInfo.InvariantCulture), rest is [var chars] ? int.Parse(chars, CultureInfo.InvariantCulture) : 0);
            return;
        }
        var streams = WithinFileLimit(args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000);
        var levels = args.Length > 1 ? args.Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [100, 1000];

        var starting = Stopwatch.StartNew();
        await using var app = await StartPlatformAsync();
        Console.WriteLine($"platform healthy in {starting.Elapsed.TotalSeconds:0.0} s; simulator: first token after {TimeToFirstTokenMs} ms, {TokensPerSecond} tokens/s, {AnswerTokens} tokens per answer");

        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 100_000,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
        })
        { Timeout = Timeout.InfiniteTimeSpan };
        var gateway = Endpoint(app, "gateway");
        var router = Endpoint(app, "model-router");
        // The router alone wants an internal token: minted with the key the AppHost generated.
        RouterToken = ChatPlatform.Testing.InternalTokens.Bearer(ChatPlatform.Testing.InternalTokens.Mint(
            "service", key: File.ReadAllText(Path.Combine(app.DataDirectory, "internal-key")).Trim(), lifetime: TimeSpan.FromHours(12)));
        var users = await RegisterUsersAsync(http, gateway, count: 8);

        Console.WriteLine();
        Console.WriteLine($"time to first token, {ThinkTime.TotalSeconds:0} s pause between a conversation's turns, {LevelDuration.TotalSeconds:0} s per level");
        Console.WriteLine($"{"path",-34} {"conversations",13} {"turns",7} {"failed",7} {"p50 ms",8} {"p99 ms",8} {"added p50",10} {"added p99",10} {"headers p50",12} {"headers p99",12}");
        var warmUp = await CreateConversationsAsync(http, gateway, users, 20, FastModel);
        await RunConversationsAsync(20, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200), _ => ct => RouterTurnAsync(http, router, ct));
        await RunConversationsAsync(20, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200), i => ct => PlatformTurnAsync(http, gateway, warmUp[i], ct));
        foreach (var level in levels)
        {
            var simulator = await RunConversationsAsync(level, LevelDuration, ThinkTime, _ => SimulatorTurnAsync);
            var alone = await RunConversationsAsync(level, LevelDuration, ThinkTime, _ => ct => RouterTurnAsync(http, router, ct));
            var conversations = await CreateConversationsAsync(http, gateway, users, level, FastModel);
            var whole = await RunConversationsAsync(level, LevelDuration, ThinkTime, i => ct => PlatformTurnAsync(http, gateway, conversations[i], ct));
            PrintRow("simulator alone (in process)", level, simulator, null);
            PrintRow("router alone", level, alone, simulator);
            PrintRow("gateway → chat → router", level, whole, simulator);
        }

        await MeasureThroughputAsync(app, http, gateway, users);
        await MeasureOpenStreamsAsync(app, http, gateway, users, streams);
    }

    private static async Task RunOpenStreamsAsync(int count, int promptCharacters)
    {
        await using var app = await StartPlatformAsync();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 100_000, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) })
        { Timeout = Timeout.InfiniteTimeSpan };
        var gateway = Endpoint(app, "gateway");
        var users = await RegisterUsersAsync(http, gateway, count: 8);
        var warmUp = await CreateConversationsAsync(http, gateway, users, 20, FastModel);
        await RunConversationsAsync(20, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200), i => ct => PlatformTurnAsync(http, gateway, warmUp[i], ct));
        await MeasureOpenStreamsAsync(app, http, gateway, users, WithinFileLimit(count), promptCharacters);
    }

    /// <summary>
    /// The platform with the simulated models and rate limits out of the way, given as the AppHost's settings: it hands
    /// <c>Catalog</c> to the router and <c>RateLimits</c> to the gateway.
    /// </summary>
    /// <summary>The AppHost's arguments that lift the gateway's per-user limits out of a benchmark's way.</summary>
    internal static readonly string[] NoRateLimits = [.. new[] { "free", "pro" }.SelectMany(tier => new[]
    {
        $"--RateLimits:Tiers:{tier}:RequestsPerMinute=100000000",
        $"--RateLimits:Tiers:{tier}:TurnsPerMinute=100000000",
    })];

    private static Task<TestPlatform> StartPlatformAsync()
    {
        return TestPlatform.StartAsync<Projects.ChatPlatform_AppHost>(CancellationToken.None,
        [
            .. SimulatedModel(0, FastModel, TimeToFirstTokenMs, TokensPerSecond, AnswerTokens),
            // Half a token a second: a stream stays open about a minute, long enough to hold thousands at once.
            .. SimulatedModel(1, SlowModel, TimeToFirstTokenMs, 0.5, 30),
            .. NoRateLimits,
            .. AppHostBenchmark.QuietLogging,
        ]);
    }

    private static string[] SimulatedModel(int index, string id, int timeToFirstTokenMs, double tokensPerSecond, int answerTokens)
    {
        var model = $"--Catalog:Models:{index}:";
        var deployment = $"--Catalog:Deployments:{index}:";
        return
        [
            model + "Id=" + id,
            model + "ContextWindow=32768",
            model + "MaxOutputTokens=1024",
            deployment + "Id=" + id + "-1",
            deployment + "ModelId=" + id,
            deployment + "Provider=Simulator",
            deployment + "Simulator:TimeToFirstTokenMs=" + timeToFirstTokenMs.ToString(CultureInfo.InvariantCulture),
            deployment + "Simulator:TokensPerSecond=" + tokensPerSecond.ToString(CultureInfo.InvariantCulture),
            deployment + "Simulator:AnswerTokens=" + answerTokens.ToString(CultureInfo.InvariantCulture),
        ];
    }

    // (1) Each conversation: a turn, read to its end, a pause of ThinkTime ± 50 %, again, until the level's time is up.
    // The first turns are spread over one pause so the conversations do not all start at once.
    private static async Task<List<Sample>> RunConversationsAsync(
        int conversations, TimeSpan duration, TimeSpan think, Func<int, Func<CancellationToken, Task<Sample>>> turnFor)
    {
        // No turn is cut short: the last ones started before the time is up run to their end.
        var samples = new ConcurrentBag<Sample>();
        var deadline = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, conversations).Select(async i =>
        {
            var turn = turnFor(i);
            var random = new Random(i);
            await Task.Delay(think * random.NextDouble());
            while (deadline.Elapsed < duration + think)
            {
                samples.Add(await turn(CancellationToken.None));
                await Task.Delay(think * (0.5 + random.NextDouble()));
            }
        }));
        return [.. samples];
    }

    private static async Task<Sample> SimulatorTurnAsync(CancellationToken cancellationToken)
    {
        using var client = new SimulatorChatClient(FastModel, new SimulatorSettings(TimeToFirstTokenMs, TokensPerSecond, AnswerTokens), TimeProvider.System);
        var clock = Stopwatch.StartNew();
        double? first = null;
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Say hello")], cancellationToken: cancellationToken))
        {
            if (first is null && !string.IsNullOrEmpty(update.Text))
            {
                first = clock.Elapsed.TotalMilliseconds;
            }
        }
        return new Sample(first ?? double.NaN, first is null, first is null ? "no text" : null);
    }

    private static AuthenticationHeaderValue? RouterToken;

    private static async Task<Sample> RouterTurnAsync(HttpClient http, Uri router, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(router, "v1/chat/completions"))
        {
            Content = new StringContent(
                $$"""{"model":"{{FastModel}}","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Say hello"}]}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = RouterToken;
        return await ReadStreamAsync(http, request, clock, line => line.StartsWith("data: {", StringComparison.Ordinal) && line.Contains("\"content\":", StringComparison.Ordinal),
            line => line == "data: [DONE]", cancellationToken);
    }

    private static async Task<Sample> PlatformTurnAsync(HttpClient http, Uri gateway, Conversation conversation, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var request = TurnRequest(gateway, conversation, "Say hello");
        return await ReadStreamAsync(http, request, clock, line => line == "event: delta", line => line is "event: done" or "event: error", cancellationToken);
    }

    private static HttpRequestMessage TurnRequest(Uri gateway, Conversation conversation, string content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, $"v1/conversations/{conversation.Id}/turns"))
        {
            Content = JsonContent.Create(new { content }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", conversation.AccessToken);
        return request;
    }

    /// <summary>Times the first line <paramref name="isFirstToken"/> accepts and reads on to <paramref name="isEnd"/>.</summary>
    private static async Task<Sample> ReadStreamAsync(
        HttpClient http, HttpRequestMessage request, Stopwatch clock, Func<string, bool> isFirstToken, Func<string, bool> isEnd, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return new Sample(double.NaN, true, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
            var headers = clock.Elapsed.TotalMilliseconds;
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            double? first = null;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (first is null && isFirstToken(line))
                {
                    first = clock.Elapsed.TotalMilliseconds;
                }
                if (isEnd(line))
                {
                    var failed = line == "event: error";
                    return new Sample(first ?? double.NaN, first is null || failed, failed ? await reader.ReadLineAsync(cancellationToken) : null, headers);
                }
            }
            return new Sample(double.NaN, true, "the stream ended without its last event");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            return new Sample(double.NaN, true, e.GetType().Name + ": " + e.Message);
        }
    }

    // (2) Back to back: as many turns as the platform takes, counted as answer rows committed in PostgreSQL.
    private static async Task MeasureThroughputAsync(TestPlatform app, HttpClient http, Uri gateway, IReadOnlyList<string> users)
    {
        const int Concurrency = 64;
        var duration = TimeSpan.FromSeconds(15);
        var conversations = await CreateConversationsAsync(http, gateway, users, Concurrency, FastModel);
        await using var database = NpgsqlDataSource.Create(await app.ConnectionStringAsync("chatdb"));
        var before = await CountAnswersAsync(database);
        var cpuBefore = CpuSeconds(app);
        var clock = Stopwatch.StartNew();
        var samples = await RunConversationsAsync(Concurrency, duration, TimeSpan.Zero, i => ct => PlatformTurnAsync(http, gateway, conversations[i], ct));
        var elapsed = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(1)); // the last commits
        var persisted = await CountAnswersAsync(database) - before;
        var cpuAfter = CpuSeconds(app);
        Console.WriteLine();
        Console.WriteLine($"turns persisted: {persisted} answers committed in {elapsed.TotalSeconds:0.0} s = {persisted / elapsed.TotalSeconds:0} turns/s " +
            $"({Concurrency} conversations back to back; {samples.Count(s => s.Failed)} of {samples.Count} turns failed{FirstError(samples)})");
        Console.WriteLine("  CPU per turn: " + string.Join(", ", cpuAfter.Keys.Order(StringComparer.Ordinal)
            .Select(name => $"{name} {(cpuAfter[name] - cpuBefore.GetValueOrDefault(name)) * 1000 / Math.Max(1, persisted):0.00} ms")));
    }

    private static async Task<long> CountAnswersAsync(NpgsqlDataSource database)
    {
        await using var command = database.CreateCommand("SELECT count(*) FROM chat.messages WHERE role = 'assistant' AND status = 'complete'");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    // (3) Open streams to a slow model until `count` are open at once, then the resident memory of each process.
    private static async Task MeasureOpenStreamsAsync(TestPlatform app, HttpClient http, Uri gateway, IReadOnlyList<string> users, int count, int promptCharacters = 0)
    {
        var conversations = await CreateConversationsAsync(http, gateway, users, count, SlowModel);
        var prompt = "Tell me a long story" + new string('.', promptCharacters);
        var before = Memory(app);
        using var hold = new CancellationTokenSource();
        var open = 0;
        var failed = 0;
        string? firstError = null;
        using var opening = new SemaphoreSlim(200);
        var clock = Stopwatch.StartNew();
        var streams = conversations.Select(async conversation =>
        {
            await opening.WaitAsync();
            HttpResponseMessage? response = null;
            try
            {
                using var request = TurnRequest(gateway, conversation, prompt);
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, hold.Token);
                response.EnsureSuccessStatusCode();
                var reader = new StreamReader(await response.Content.ReadAsStreamAsync(hold.Token));
                while (await reader.ReadLineAsync(hold.Token) is { } line && line != "event: turn.started")
                {
                }
                Interlocked.Increment(ref open);
                opening.Release();
                while (await reader.ReadLineAsync(hold.Token) is not null)
                {
                }
            }
            catch (Exception e) when (!hold.IsCancellationRequested)
            {
                Interlocked.Increment(ref failed);
                Interlocked.CompareExchange(ref firstError, e.GetType().Name + ": " + e.Message, null);
                opening.Release();
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                response?.Dispose();
            }
        }).ToList();
        while (Volatile.Read(ref open) + Volatile.Read(ref failed) < count && clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            await Task.Delay(200);
        }
        var opened = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(3)); // settle: connections accepted, buffers allocated
        var during = Memory(app);
        Console.WriteLine();
        Console.WriteLine($"open streams: {open} open at once ({failed} failed{(firstError is null ? "" : ", first: " + firstError)}), opened in {opened.TotalSeconds:0.0} s");
        foreach (var name in new[] { "gateway", "chat", "model-router", "(dcp)" })
        {
            var added = during[name] - before[name];
            Console.WriteLine($"  {name,-13} RSS {before[name] / 1024.0,7:0.0} MiB idle, {during[name] / 1024.0,7:0.0} MiB with the streams open: " +
                $"{(open == 0 ? 0 : added * 1024.0 / open / 1024.0):0.0} KB per stream");
        }
        await hold.CancelAsync();
        await Task.WhenAll(streams);
    }

    private sealed record Conversation(Guid Id, string AccessToken);

    private static async Task<IReadOnlyList<string>> RegisterUsersAsync(HttpClient http, Uri gateway, int count)
    {
        var tokens = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var response = await http.PostAsJsonAsync(new Uri(gateway, "v1/auth/register"),
                new { email = $"bench-{Guid.NewGuid():N}@example.com", password = "bench password " + Guid.NewGuid() });
            response.EnsureSuccessStatusCode();
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            tokens.Add(body.RootElement.GetProperty("accessToken").GetString()!);
        }
        return tokens;
    }

    private static async Task<List<Conversation>> CreateConversationsAsync(HttpClient http, Uri gateway, IReadOnlyList<string> users, int count, string model)
    {
        var conversations = new Conversation[count];
        using var gate = new SemaphoreSlim(32);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var token = users[i % users.Count];
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "v1/conversations")) { Content = JsonContent.Create(new { model }) };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await http.SendAsync(request);
                response.EnsureSuccessStatusCode();
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                conversations[i] = new Conversation(body.RootElement.GetProperty("id").GetGuid(), token);
            }
            finally
            {
                gate.Release();
            }
        }));
        return [.. conversations];
    }

    private static void PrintRow(string path, int conversations, List<Sample> samples, List<Sample>? baseline)
    {
        var (p50, p99) = Percentiles(samples);
        var added = baseline is null ? ("", "") : Added((p50, p99), Percentiles(baseline));
        var headers = samples.Where(s => !s.Failed && !double.IsNaN(s.HeadersMs)).Select(s => s.HeadersMs).Order().ToArray();
        var headersP50 = headers.Length == 0 ? "" : headers[headers.Length / 2].ToString("0.00", CultureInfo.InvariantCulture);
        var headersP99 = headers.Length == 0 ? "" : headers[Math.Min(headers.Length - 1, (int)(headers.Length * 0.99))].ToString("0.00", CultureInfo.InvariantCulture);
        Console.WriteLine($"{path,-34} {conversations,13} {samples.Count,7} {samples.Count(s => s.Failed),7} {p50,8:0.00} {p99,8:0.00} {added.Item1,10} {added.Item2,10} {headersP50,12} {headersP99,12}{FirstError(samples)}");
    }

    private static (string, string) Added((double P50, double P99) result, (double P50, double P99) baseline) =>
        ((result.P50 - baseline.P50).ToString("0.00", CultureInfo.InvariantCulture), (result.P99 - baseline.P99).ToString("0.00", CultureInfo.InvariantCulture));

    private static (double P50, double P99) Percentiles(List<Sample> samples)
    {
        var sorted = samples.Where(s => !s.Failed).Select(s => s.TimeToFirstTokenMs).Order().ToArray();
        return sorted.Length == 0 ? (double.NaN, double.NaN) : (sorted[(int)(sorted.Length * 0.50)], sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.99))]);
    }

    private static string FirstError(List<Sample> samples) =>
        samples.FirstOrDefault(s => s.Error is not null)?.Error is { } error ? $"  first error: {error[..Math.Min(error.Length, 200)]}" : "";

    private static Uri Endpoint(TestPlatform app, string resource) => app.Endpoint(resource);

    /// <summary>
    /// Each project and executable resource's process tree (a service under its `dotnet run`, PostgreSQL's backends
    /// under its shell), and "(dcp)": Aspire's orchestrator, whose endpoint proxies calls between the services go through.
    /// </summary>
    private static Dictionary<string, List<int>> Processes(TestPlatform app)
    {
        var trees = app.Resources.Where(r => r is ProjectResource or ExecutableResource)
            .ToDictionary(r => r.Name, r => Tree(app.ProcessId(r.Name)).ToList());
        var resources = trees.Values.SelectMany(t => t).ToHashSet();
        trees["(dcp)"] = [.. AppHostBenchmark.Dcp(Environment.ProcessId).Where(pid => !resources.Contains(pid))];
        return trees;
    }

    /// <summary>User and system CPU each resource's process tree has used (PostgreSQL's backends included).</summary>
    private static Dictionary<string, double> CpuSeconds(TestPlatform app) =>
        Processes(app).ToDictionary(p => p.Key, p => p.Value.Sum(CpuTicks) / 100.0);

    private static IEnumerable<int> Tree(int pid) => ProcFs.ReadChildren(pid).SelectMany(Tree).Prepend(pid);

    // Fields 14 and 15 of /proc/PID/stat, after the command name in parentheses, in clock ticks (USER_HZ, 100 on Linux).
    private static long CpuTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Resident memory of each resource's process tree (a launcher's share is the same before and after).</summary>
    private static Dictionary<string, long> Memory(TestPlatform app) =>
        Processes(app).ToDictionary(p => p.Key, p => p.Value.Sum(pid => ProcFs.ReadResidentKilobytes(pid) ?? 0));

    /// <summary>
    /// Each open stream holds a socket in every process on its path (the client's in the gateway, the router's in chat,
    /// chat's in the router; the gateway's streams to chat share a few HTTP/2 connections), so a process's open-file
    /// limit caps how many can be held; a container may not allow raising it.
    /// </summary>
    private static int WithinFileLimit(int streams)
    {
        var line = File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var soft = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], CultureInfo.InvariantCulture);
        var fits = (int)Math.Min(streams, soft - 1_000);
        if (fits < streams)
        {
            Console.WriteLine($"note: the open-file limit is {soft} (raise it with `ulimit -n` where allowed); {streams} streams need about {streams + 1_000L} in each process, so {fits} are opened");
        }
        return fits;
    }
}
