using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Audit;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatPlatform.Gateway.Tests.Apis;

/// <summary>
/// <c>GET /v1/admin/audit</c>: the gateway's account changes, the real model router's catalog changes and billing's
/// quota overrides (a server answering billing's audit page), merged.
/// </summary>
public sealed class AdminAuditApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Account_and_catalog_changes_are_audited_and_listed_merged_newest_first_without_secrets()
    {
        await using var router = await ModelRouterHost.StartAsync(postgres, redis);
        // Billing's one entry is older than everything the test does: it comes last.
        await using var billing = await BillingAuditAsync(new AdminAuditEntry(
            7, DateTimeOffset.UtcNow.AddMinutes(-5), Guid.NewGuid(), "earlier-admin@example.com", "update", "quota_overrides", Guid.NewGuid().ToString(), null, null));
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address,
            more: new Dictionary<string, string?> { ["services:billing:http:0"] = billing.BaseAddress.ToString() }));
        var adminTokens = await host.RegisterAsync();
        var admin = host.CreateClient(adminTokens.AccessToken);
        var user = await host.RegisterAsync();

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/v1/admin/users/{user.User.Id}", new { tier = "pro", disabled = true }, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PutAsJsonAsync(
            "/v1/admin/models/audited", new { displayName = "Audited", contextWindow = 8192, maxOutputTokens = 1024 }, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/v1/admin/users/{user.User.Id}/revoke-sessions", null, Cancellation)).StatusCode);
        // Unchanged: nothing happened, so nothing is audited.
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/v1/admin/users/{user.User.Id}", new { tier = "pro" }, Cancellation)).StatusCode);

        var response = await admin.GetAsync("/v1/admin/audit", Cancellation);
        var body = await response.Content.ReadAsStringAsync(Cancellation);
        var page = JsonNode.Parse(body)!.AsObject();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = page["items"]!.AsArray();
        Assert.Equal(
            ["gateway revoke-sessions user", "model-router create model", "gateway update user", "billing update quota_overrides"],
            items.Select(e => $"{e!["service"]} {e["action"]} {e["entity"]}"));
        Assert.Null(page["next"]);
        Assert.All(items.SkipLast(1), e => Assert.Equal((adminTokens.User.Id.ToString(), adminTokens.User.Email), ((string)e!["userId"]!, (string)e["userEmail"]!)));
        var update = items[2]!;
        Assert.Equal(user.User.Id.ToString(), (string)update["entityId"]!);
        Assert.Equal(("free", false), ((string)update["before"]!["tier"]!, (bool)update["before"]!["disabled"]!));
        Assert.Equal(("pro", true), ((string)update["after"]!["tier"]!, (bool)update["after"]!["disabled"]!));
        // Disabling revoked the user's one session already: none was left to revoke.
        Assert.Equal(0, (int)items[0]!["after"]!["sessions"]!);
        Assert.DoesNotContain("password", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("hash", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(user.RefreshToken, body, StringComparison.Ordinal);

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var onePage = (await admin.GetFromJsonAsync<JsonObject>($"/v1/admin/audit?limit=1{(cursor is null ? "" : $"&cursor={cursor}")}", Cancellation))!;
            seen.AddRange(onePage["items"]!.AsArray().Select(e => $"{e!["service"]} {e["action"]} {e["entity"]}"));
            cursor = (string?)onePage["next"];
        }
        while (cursor is not null && seen.Count < 10);

        Assert.Equal(["gateway revoke-sessions user", "model-router create model", "gateway update user", "billing update quota_overrides"], seen);
        // The largest page: the router's largest is the same, so asking it for one more than the page was refused (a 502).
        var largest = await admin.GetAsync("/v1/admin/audit?limit=200", Cancellation);
        Assert.Equal(HttpStatusCode.OK, largest.StatusCode);
        Assert.Equal(4, (await largest.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!["items"]!.AsArray().Count);
        // A cursor from before billing's log was merged (gateway.router) still pages: billing's from its newest.
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/v1/admin/audit?cursor=0.0", Cancellation)).StatusCode);
    }

    [Theory]
    [InlineData("model-router")]
    [InlineData("billing")]
    public async Task With_a_service_unreachable_the_audit_answers_502_problem_details(string unreachable)
    {
        await using var billing = await BillingAuditAsync();
        await using var router = await ModelRouterHost.StartAsync(postgres, redis);
        var closed = $"http://127.0.0.1:{ForwardingApiTests.ClosedPort()}";
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(
            modelRouter: unreachable == "model-router" ? closed : router.Address,
            more: new Dictionary<string, string?> { ["services:billing:http:0"] = unreachable == "billing" ? closed : billing.BaseAddress.ToString() }));
        var admin = host.CreateClient((await host.RegisterAsync()).AccessToken);

        var response = await admin.GetAsync("/v1/admin/audit", Cancellation);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Billing's <c>GET /v1/admin/audit</c>: the entries, newest first, paged by <c>limit</c> and <c>before</c>.</summary>
    private static Task<LoopbackHttpServer> BillingAuditAsync(params AdminAuditEntry[] entries) =>
        LoopbackHttpServer.StartAsync(routes => routes.MapGet(AdminAuditApi.Route, (int? limit, long? before) =>
        {
            var page = entries.Where(e => before is null || e.Id < before).Take(limit ?? AdminAuditApi.DefaultLimit).ToList();
            return Results.Ok(new AdminAuditPage(page, page.Count == limit ? page[^1].Id : null));
        }), Cancellation);
}
