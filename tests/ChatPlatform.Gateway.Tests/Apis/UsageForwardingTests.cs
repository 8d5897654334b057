using System.Collections.Concurrent;
using System.Net;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatPlatform.Gateway.Tests.Apis;

/// <summary>
/// <c>/v1/usage</c> and <c>/v1/admin/usage/**</c> go to billing (docs/usage.md), acting for the caller and only for
/// them; the admin ones only for admins; every other <c>/v1/admin/**</c> still goes to the model router.
/// </summary>
public sealed class UsageForwardingTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Usage_routes_reach_billing_as_the_caller_and_admin_usage_only_for_admins()
    {
        await using var billing = await RecordingService.StartAsync();
        await using var router = await RecordingService.StartAsync();
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address,
            more: new Dictionary<string, string?> { ["services:billing:http:0"] = billing.Address }));
        var (userId, adminId) = (Guid.NewGuid(), Guid.NewGuid());
        var user = host.CreateClient(TestTokens.Mint(userId));
        user.DefaultRequestHeaders.Add("X-User-Id", Guid.NewGuid().ToString());
        var admin = host.CreateClient(TestTokens.Mint(adminId, role: "admin"));

        var mine = await user.GetAsync("/v1/usage?from=2026-12-01&to=2026-12-06&groupBy=model", Cancellation);
        var refused = await user.GetAsync("/v1/admin/usage/summary", Cancellation);
        var refusedExport = await user.GetAsync("/v1/admin/usage/export.csv", Cancellation);
        var anonymous = await host.CreateClient().GetAsync("/v1/usage", Cancellation);
        var report = await admin.GetAsync("/v1/admin/usage?groupBy=user", Cancellation);
        var summary = await admin.GetAsync("/v1/admin/usage/summary?from=2026-12-06&to=2026-12-06", Cancellation);
        var export = await admin.GetAsync("/v1/admin/usage/export.csv", Cancellation);
        var catalog = await admin.GetAsync("/v1/admin/models", Cancellation);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized],
            [mine.StatusCode, refused.StatusCode, refusedExport.StatusCode, anonymous.StatusCode]);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK],
            [report.StatusCode, summary.StatusCode, export.StatusCode, catalog.StatusCode]);
        Assert.Equal(
            [
                ("/v1/usage?from=2026-12-01&to=2026-12-06&groupBy=model", userId.ToString(), "user"),
                ("/v1/admin/usage?groupBy=user", adminId.ToString(), "admin"),
                ("/v1/admin/usage/summary?from=2026-12-06&to=2026-12-06", adminId.ToString(), "admin"),
                ("/v1/admin/usage/export.csv", adminId.ToString(), "admin"),
            ],
            billing.Requests.ToArray());
        Assert.Equal([("/v1/admin/models", adminId.ToString(), "admin")], router.Requests.ToArray());
    }

    [Fact]
    public async Task A_users_quota_overrides_reach_billing_for_admins_and_an_unknown_user_is_404()
    {
        await using var billing = await RecordingService.StartAsync();
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(
            more: new Dictionary<string, string?> { ["services:billing:http:0"] = billing.Address }));
        var adminTokens = await host.RegisterAsync();
        var admin = host.CreateClient(adminTokens.AccessToken);
        var alice = await host.RegisterAsync($"alice-{Guid.NewGuid():N}@example.com");
        var self = host.CreateClient(alice.AccessToken);
        var body = new StringContent("""{"overrides": {"daily": {"tokens": 5}}}""", System.Text.Encoding.UTF8, "application/json");

        var read = await admin.GetAsync($"/v1/admin/users/{alice.User.Id}/quotas", Cancellation);
        var write = await admin.PutAsync($"/v1/admin/users/{alice.User.Id}/quotas", body, Cancellation);
        var unknown = await admin.GetAsync($"/v1/admin/users/{Guid.NewGuid()}/quotas", Cancellation);
        var refused = await self.GetAsync($"/v1/admin/users/{alice.User.Id}/quotas", Cancellation);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.Forbidden],
            [read.StatusCode, write.StatusCode, unknown.StatusCode, refused.StatusCode]);
        Assert.Equal(
            [
                ($"/v1/admin/users/{alice.User.Id}/quotas", adminTokens.User.Id.ToString(), "admin"),
                ($"/v1/admin/users/{alice.User.Id}/quotas", adminTokens.User.Id.ToString(), "admin"),
            ],
            billing.Requests.ToArray());
    }

    /// <summary>A service over real HTTP that records the path and the internal token's subject and role of every call.</summary>
    private sealed class RecordingService : IAsyncDisposable
    {
        private LoopbackHttpServer? _server;

        public ConcurrentQueue<(string Path, string? Subject, string? Role)> Requests { get; } = new();

        public string Address => _server!.BaseAddress.ToString().TrimEnd('/');

        public static async Task<RecordingService> StartAsync()
        {
            var service = new RecordingService();
            service._server = await LoopbackHttpServer.StartAsync(routes => routes.Map("/{**path}", async (HttpContext context) =>
            {
                var caller = await InternalTokens.ValidateAsync(context.Request.Headers.Authorization.ToString());
                service.Requests.Enqueue(($"{context.Request.Path}{context.Request.QueryString}", caller?.FindFirst("sub")?.Value,
                    caller?.FindFirst("role")?.Value));
                return Results.Ok();
            }), Cancellation);
            return service;
        }

        public ValueTask DisposeAsync() => _server!.DisposeAsync();
    }
}
