using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Testing;

namespace ChatPlatform.Gateway.Tests.Apis;

/// <summary><c>GET /v1/admin/audit</c>: the gateway's account changes and the real model router's catalog changes, merged.</summary>
public sealed class AdminAuditApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Account_and_catalog_changes_are_audited_and_listed_merged_newest_first_without_secrets()
    {
        await using var router = await ModelRouterHost.StartAsync(postgres, redis);
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));
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
            ["gateway revoke-sessions user", "model-router create model", "gateway update user"],
            items.Select(e => $"{e!["service"]} {e["action"]} {e["entity"]}"));
        Assert.Null(page["next"]);
        Assert.All(items, e => Assert.Equal((adminTokens.User.Id.ToString(), adminTokens.User.Email), ((string)e!["userId"]!, (string)e["userEmail"]!)));
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

        Assert.Equal(["gateway revoke-sessions user", "model-router create model", "gateway update user"], seen);
        // The largest page: the router's largest is the same, so asking it for one more than the page was refused (a 502).
        var largest = await admin.GetAsync("/v1/admin/audit?limit=200", Cancellation);
        Assert.Equal(HttpStatusCode.OK, largest.StatusCode);
        Assert.Equal(3, (await largest.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task With_the_router_unreachable_the_audit_answers_502_problem_details()
    {
        await using var host = await GatewayHost.StartAsync(
            postgres, redis, Upstream.Settings(modelRouter: $"http://127.0.0.1:{ForwardingApiTests.ClosedPort()}"));
        var admin = host.CreateClient((await host.RegisterAsync()).AccessToken);

        var response = await admin.GetAsync("/v1/admin/audit", Cancellation);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
