using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ChatPlatform.Chat.Infrastructure;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ChatPlatform.Bench;

/// <summary>
/// A turn's start with and without quotas, side by side: the chat service as Program wires it (in memory, real PostgreSQL
/// and redis-server), twice, one with <c>Quotas:Enabled</c> off. A start is <c>POST /turns</c> until its first event
/// (<c>turn.started</c>): the read before the write, the quota check, the write, the registration. The two are measured
/// turn by turn, alternating, so that background load falls on both alike, and each pair's difference is reported too;
/// every turn is the first of a fresh conversation with a system prompt, by one of 16 users, one caller at a time.
/// </summary>
public static partial class QuotaBenchmark
{
    private const string BenchModel = "bench-model";

    private static async Task MeasureTurnStartsAsync(RedisFixture redis, int turns)
    {
        await using var postgres = new PostgresFixture();
        await postgres.InitializeAsync();
        await using var router = await LoopbackHttpServer.StartAsync(MapFakeRouter);
        await using var withQuotas = Chat(await postgres.CreateDatabaseAsync(), redis.ConnectionString, router.BaseAddress, quotas: true);
        await using var withoutQuotas = Chat(await postgres.CreateDatabaseAsync(), redis.ConnectionString, router.BaseAddress, quotas: false);
        var users = Enumerable.Range(0, 16).Select(_ => Guid.NewGuid()).ToArray();
        using var on = withQuotas.CreateClient();
        using var off = withoutQuotas.CreateClient();

        // Warm-up of both (JIT, pools, the model list's cache), then rounds that alternate.
        await StartTurnsAsync(on, users, Math.Max(10, turns / 10));
        await StartTurnsAsync(off, users, Math.Max(10, turns / 10));
        var (onTimes, offTimes, paired) = (new List<double>(), new List<double>(), new List<double>());
        var addedByRound = new List<double>();
        const int Rounds = 10;
        for (var round = 0; round < Rounds; round++)
        {
            // Turn by turn, the two alternating (and which goes first), so that a burst of background load falls on a pair.
            var roundPairs = new List<double>();
            for (var i = 0; i < turns / Rounds; i++)
            {
                var first = (i % 2 == 0) ? off : on;
                var a = (await StartTurnsAsync(first, users, 1))[0];
                var b = (await StartTurnsAsync(first == off ? on : off, users, 1))[0];
                var (offTime, onTime) = first == off ? (a, b) : (b, a);
                offTimes.Add(offTime);
                onTimes.Add(onTime);
                roundPairs.Add(onTime - offTime);
            }
            paired.AddRange(roundPairs);
            addedByRound.Add(Percentile([.. roundPairs.Order()], 0.50));
        }
        var (onSorted, offSorted) = (onTimes.Order().ToArray(), offTimes.Order().ToArray());
        Console.WriteLine($"turn start (POST to turn.started), {onSorted.Length:N0} turns each, 1 in flight, alternating turn by turn");
        Console.WriteLine($"{"",-44} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8}");
        foreach (var (name, sorted) in new[] { ("  without quotas", offSorted), ("  with quotas", onSorted) })
        {
            Console.WriteLine($"{name,-44} {Percentile(sorted, 0.50),8:0.000} {Percentile(sorted, 0.95),8:0.000} {Percentile(sorted, 0.99),8:0.000}");
        }
        var (p50On, p50Off) = (Percentile(onSorted, 0.50), Percentile(offSorted, 0.50));
        Console.WriteLine($"  p50 added {p50On - p50Off:0.000} ms (target <= 0.5), ratio with/without {p50On / p50Off:0.00}, " +
            $"p95 added {Percentile(onSorted, 0.95) - Percentile(offSorted, 0.95):0.000} ms, " +
            $"p99 ratio {Percentile(onSorted, 0.99) / Percentile(offSorted, 0.99):0.00}");
        var rounds = addedByRound.Order().ToArray();
        Console.WriteLine($"  median of paired differences (with - without, next to each other) {Percentile([.. paired.Order()], 0.50):0.000} ms; " +
            $"per round of {turns / Rounds} pairs: min {rounds[0]:0.000}, median {Percentile(rounds, 0.5):0.000}, max {rounds[^1]:0.000} ms");
    }

    private static async Task<List<double>> StartTurnsAsync(HttpClient client, Guid[] users, int turns)
    {
        var times = new List<double>(turns);
        for (var i = 0; i < turns; i++)
        {
            var user = users[i % users.Length];
            // Not measured.
            var conversation = await CreateConversationAsync(client, user);
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/conversations/{conversation}/turns")
            {
                Content = new StringContent("""{"content":"How long will the quarterly report take to read?"}""", Encoding.UTF8, "application/json"),
                Headers = { Authorization = InternalTokens.User(user) },
            };
            var started = Stopwatch.GetTimestamp();
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync() is { } line && !line.StartsWith("data:", StringComparison.Ordinal))
            {
            }
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            // The rest of the answer streams on while the next turn starts, as it would for other users.
        }
        return times;
    }

    private static async Task<Guid> CreateConversationAsync(HttpClient client, Guid user)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/conversations")
        {
            Content = JsonContent.Create(new { model = BenchModel, systemPrompt = "Answer briefly." }),
            Headers = { Authorization = InternalTokens.User(user) },
        };
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var id = Guid.Parse((string)(await response.Content.ReadFromJsonAsync<JsonNode>())!["id"]!);
        return id;
    }

    private static WebApplicationFactory<ConversationStore> Chat(string database, string redis, Uri router, bool quotas)
    {
        // Test projects are told where a service's folder is at build time; a benchmark says it here.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_CHATPLATFORM_CHAT", Path.Combine(RepositoryRoot.Find(), "services", "ChatPlatform.Chat"));
        return new WebApplicationFactory<ConversationStore>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:chatdb", database);
            web.UseSetting("ConnectionStrings:redis", redis);
            web.UseSetting(InternalTokens.Setting, InternalTokens.Key);
            web.UseSetting("services:model-router:http:0", router.ToString().TrimEnd('/'));
            web.UseSetting("Quotas:Enabled", quotas ? "true" : "false");
            // No ingestion runs here to embed messages for search by meaning: its background embedder stays off.
            web.UseSetting("Search:Semantic", "false");
            // Limits no turn reaches: every start is a full check and hold, never a refusal.
            web.UseSetting("Quotas:Tiers:free:Daily:Tokens", "1000000000000");
            web.UseSetting("Quotas:Tiers:free:Monthly:Tokens", "1000000000000");
            web.UseSetting("Logging:LogLevel:Default", "Warning");
            // The in-memory server has no body size limit to apply: said once a request.
            web.UseSetting("Logging:LogLevel:Microsoft.AspNetCore.Routing", "Error");
            web.UseEnvironment("Production");
        });
    }

    /// <summary>One model, a short streamed answer, whole completions (titles) answered at once.</summary>
    private static void MapFakeRouter(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/models", () => Results.Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(new JsonObject
            {
                ["object"] = "model", ["id"] = BenchModel, ["created"] = 0, ["owned_by"] = "simulator", ["display_name"] = "Bench",
                ["context_window"] = 32_768, ["max_output_tokens"] = 1_024,
                ["capabilities"] = new JsonObject { ["vision"] = false, ["tools"] = false }, ["simulated"] = true,
                ["pricing"] = new JsonObject { ["input_per_million"] = 1.0m, ["cached_input_per_million"] = 0.1m, ["output_per_million"] = 4.0m },
            }),
        }));
        app.MapPost("/v1/chat/completions", async context =>
        {
            var body = await context.Request.ReadFromJsonAsync<JsonNode>();
            var chunk = """{"id":"c","object":"chat.completion.chunk","created":0,"model":"bench-model","choices":[{"index":0,"delta":{"content":"Soon."},"finish_reason":null}]}""";
            if (body?["stream"]?.GetValue<bool>() != true)
            {
                await context.Response.WriteAsync("""{"id":"c","object":"chat.completion","created":0,"model":"bench-model","choices":[{"index":0,"message":{"role":"assistant","content":"A title"},"finish_reason":"stop"}]}""");
                return;
            }
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync($"data: {chunk}\n\ndata: [DONE]\n\n");
        });
    }
}
