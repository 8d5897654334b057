using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ChatPlatform.Gateway.Tests.Apis;

/// <summary><c>GET /v1/admin/metrics</c> and the routing of <c>/v1/admin/chat/**</c> (issue 18).</summary>
public sealed class AdminMetricsApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>One of the services the metrics join, answering its path with a fixed body and recording each call.</summary>
    private sealed class Source : IAsyncDisposable
    {
        private Source(LoopbackHttpServer server) => Server = server;

        public LoopbackHttpServer Server { get; }

        public ConcurrentQueue<(string PathAndQuery, string? Role)> Calls { get; } = new();

        public string Address => Server.BaseAddress.ToString().TrimEnd('/');

        public static async Task<Source> StartAsync(string path, string body)
        {
            Source? source = null;
            var server = await LoopbackHttpServer.StartAsync(app => app.Map("/{**any}", (HttpContext context) =>
            {
                var token = InternalTokens.Read(context.Request.Headers.Authorization.ToString());
                source!.Calls.Enqueue((context.Request.Path + context.Request.QueryString,
                    token?.TryGetClaim("role", out var role) == true ? role.Value : null));
                return context.Request.Path == path ? Results.Text(body, "application/json") : Results.NotFound();
            }), Cancellation);
            source = new Source(server);
            return source;
        }

        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }

    private const string Health = """
        {"deployments":[
          {"id":"a-1","model":"a","provider":"openai","enabled":true,"state":"closed","timeToFirstTokenEwmaMs":120.5,"errorRate":0.1,"requests":10,"failures":1,"lastError":null},
          {"id":"a-2","model":"a","provider":"openai","enabled":true,"state":"open","timeToFirstTokenEwmaMs":null,"errorRate":1,"requests":4,"failures":4},
          {"id":"b-1","model":"b","provider":"simulator","enabled":false,"state":"closed","timeToFirstTokenEwmaMs":50,"errorRate":0,"requests":0,"failures":0}]}
        """;

    private const string Stats = """
        {"windowMinutes":5,"answers":30,"turnsPerMinute":6,"errors":3,"errorRate":0.1,"timeToFirstTokenP50Ms":80.5,
         "timeToFirstTokenP95Ms":300,"activeStreams":2,"activeStreamsHere":1,"perMinute":[]}
        """;

    private const string Summary = """{"answers":30,"inputTokens":1200,"outputTokens":3400,"costUsd":0.0123}""";

    [Fact]
    public async Task Metrics_join_router_health_chat_throughput_and_billing_cost_with_the_admins_token()
    {
        await using var router = await Source.StartAsync("/v1/admin/providers/health", Health);
        await using var chat = await Source.StartAsync("/v1/admin/chat/stats", Stats);
        await using var billing = await Source.StartAsync("/v1/admin/usage/summary", Summary);
        await using var host = await GatewayHost.StartAsync(postgres, redis,
            Upstream.Settings(chat.Address, router.Address, new Dictionary<string, string?> { ["services:billing:http:0"] = billing.Address }));
        var admin = host.CreateClient(TestTokens.Mint(Guid.NewGuid(), role: "admin"));

        var metrics = (await admin.GetFromJsonAsync<JsonObject>("/v1/admin/metrics?window=5", Cancellation))!;

        Assert.Empty(metrics["unavailable"]!.AsArray());
        var deployments = metrics["deployments"]!.AsArray();
        Assert.Equal(["a-1", "a-2", "b-1"], deployments.Select(d => (string)d!["id"]!));
        Assert.Equal(("open", 1.0, 4L), ((string)deployments[1]!["state"]!, (double)deployments[1]!["errorRate"]!, (long)deployments[1]!["failures"]!));
        var providers = metrics["providers"]!.AsArray();
        Assert.Equal([("openai", 2, 1, 14L, 5L), ("simulator", 1, 0, 0L, 0L)], providers.Select(p =>
            ((string)p!["provider"]!, (int)p["deployments"]!, (int)p["healthy"]!, (long)p["requests"]!, (long)p["failures"]!)));
        var throughput = metrics["throughput"]!;
        Assert.Equal((5, 30L, 6.0, 0.1, 80.5, 300.0, 2L), ((int)throughput["windowMinutes"]!, (long)throughput["answers"]!,
            (double)throughput["turnsPerMinute"]!, (double)throughput["errorRate"]!, (double)throughput["timeToFirstTokenP50Ms"]!,
            (double)throughput["timeToFirstTokenP95Ms"]!, (long)throughput["activeStreams"]!));
        var cost = metrics["costToday"]!;
        Assert.Equal((30L, 1200L, 3400L, 0.0123m), ((long)cost["answers"]!, (long)cost["inputTokens"]!, (long)cost["outputTokens"]!, (decimal)cost["costUsd"]!));

        // Each source asked once, as the admin; chat with the window, billing for today (UTC) so far.
        Assert.Equal(("/v1/admin/providers/health", "admin"), Assert.Single(router.Calls));
        Assert.Equal(("/v1/admin/chat/stats?window=5", "admin"), Assert.Single(chat.Calls));
        var (summaryPath, summaryRole) = Assert.Single(billing.Calls);
        Assert.Equal("admin", summaryRole);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal($"/v1/admin/usage/summary?from={today}&to={today}", summaryPath);
    }

    [Fact]
    public async Task Without_billing_the_metrics_answer_the_rest_with_cost_absent_and_name_what_is_missing()
    {
        await using var router = await Source.StartAsync("/v1/admin/providers/health", Health);
        await using var chat = await Source.StartAsync("/v1/admin/chat/stats", "{not json");
        // Billing's address is a closed port: nothing listens.
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(chat.Address, router.Address,
            new Dictionary<string, string?> { ["services:billing:http:0"] = $"http://127.0.0.1:{ForwardingApiTests.ClosedPort()}" }));
        var admin = host.CreateClient(TestTokens.Mint(Guid.NewGuid(), role: "admin"));

        using var response = await admin.GetAsync("/v1/admin/metrics", Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var metrics = (await response.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!;
        Assert.Equal(["chat", "billing"], metrics["unavailable"]!.AsArray().Select(n => (string)n!));
        Assert.False(metrics.ContainsKey("costToday"));
        Assert.False(metrics.ContainsKey("throughput"));
        Assert.Equal(3, metrics["deployments"]!.AsArray().Count);
        Assert.Equal(("/v1/admin/chat/stats?window=60", "admin"), Assert.Single(chat.Calls));
    }

    [Fact]
    public async Task Only_admins_read_metrics_or_chat_stats_and_chat_stats_go_to_chat_not_the_router()
    {
        await using var router = await Source.StartAsync("/v1/admin/providers/health", Health);
        await using var chat = await Source.StartAsync("/v1/admin/chat/stats", Stats);
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(chat.Address, router.Address));
        var user = host.CreateClient(TestTokens.Mint(Guid.NewGuid()));
        var admin = host.CreateClient(TestTokens.Mint(Guid.NewGuid(), role: "admin"));
        var anonymous = host.CreateClient();

        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/v1/admin/metrics", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/v1/admin/chat/stats", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/admin/metrics", Cancellation)).StatusCode);
        Assert.Empty(router.Calls);
        Assert.Empty(chat.Calls);

        var stats = await admin.GetAsync("/v1/admin/chat/stats?window=5", Cancellation);
        var badWindow = await admin.GetAsync("/v1/admin/metrics?window=0", Cancellation);

        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        Assert.Equal(("/v1/admin/chat/stats?window=5", "admin"), Assert.Single(chat.Calls));
        Assert.Empty(router.Calls);
        Assert.Equal(HttpStatusCode.BadRequest, badWindow.StatusCode);
        Assert.Equal("application/problem+json", badWindow.Content.Headers.ContentType?.MediaType);
    }
}
