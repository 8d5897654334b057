using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Testing;

namespace ChatPlatform.Gateway.Tests.Apis;

/// <summary>
/// <c>/v1/admin/users</c> on the real gateway, PostgreSQL and Redis. The first account of each fresh database is the admin.
/// </summary>
public sealed class AdminUsersApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Users_are_searched_by_email_filtered_by_role_tier_and_disabled_and_paged()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var admin = host.CreateClient((await host.RegisterAsync()).AccessToken);
        var alice = await host.RegisterAsync($"alice-{Guid.NewGuid():N}@example.com");
        var bob = await host.RegisterAsync($"bob-{Guid.NewGuid():N}@example.com");
        await host.RegisterAsync($"carol-{Guid.NewGuid():N}@example.com");
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/v1/admin/users/{bob.User.Id}", new { disabled = true, tier = "pro" }, Cancellation)).StatusCode);

        var byEmail = await ListAsync(admin, "?q=ALICE-");
        var disabled = await ListAsync(admin, "?disabled=true");
        var pro = await ListAsync(admin, "?tier=pro");
        var admins = await ListAsync(admin, "?role=admin");
        var literalPercent = await ListAsync(admin, "?q=%25");
        var first = (await admin.GetFromJsonAsync<JsonObject>("/v1/admin/users?limit=3", Cancellation))!;
        var second = (await admin.GetFromJsonAsync<JsonObject>($"/v1/admin/users?limit=3&cursor={first["next"]}", Cancellation))!;

        Assert.Equal([alice.User.Email], byEmail.Select(u => (string)u["email"]!));
        Assert.Equal([bob.User.Id.ToString()], disabled.Select(u => (string)u["id"]!));
        Assert.True((bool)disabled[0]["disabled"]!);
        Assert.NotNull(disabled[0]["disabledAt"]);
        Assert.Equal([bob.User.Id.ToString()], pro.Select(u => (string)u["id"]!));
        Assert.Single(admins);
        Assert.Empty(literalPercent);
        Assert.Equal(3, first["items"]!.AsArray().Count);
        Assert.Single(second["items"]!.AsArray());
        Assert.Null(second["next"]);
        var all = first["items"]!.AsArray().Concat(second["items"]!.AsArray()).Select(u => (string)u!["id"]!).ToList();
        Assert.Equal(4, all.Distinct().Count());
        Assert.DoesNotContain("password", first.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_user_is_read_by_id_and_an_unknown_id_answers_404_problem_details()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var admin = host.CreateClient((await host.RegisterAsync()).AccessToken);
        var user = await host.RegisterAsync();
        var unknown = Guid.NewGuid();

        var found = await admin.GetFromJsonAsync<AdminUser>($"/v1/admin/users/{user.User.Id}", Cancellation);
        HttpResponseMessage[] missing =
        [
            await admin.GetAsync($"/v1/admin/users/{unknown}", Cancellation),
            await admin.PatchAsJsonAsync($"/v1/admin/users/{unknown}", new { tier = "pro" }, Cancellation),
            await admin.PostAsync($"/v1/admin/users/{unknown}/revoke-sessions", null, Cancellation),
            await admin.GetAsync("/v1/admin/users/not-a-guid", Cancellation),
            await admin.DeleteAsync($"/v1/admin/users/{user.User.Id}", Cancellation),
        ];

        Assert.Equal((user.User.Id, user.User.Email, "user", "free", false), (found!.Id, found.Email, found.Role, found.Tier, found.Disabled));
        foreach (var response in missing)
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task A_non_admin_gets_403_on_every_admin_users_and_audit_route_and_changes_nothing()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var admin = await host.RegisterAsync();
        var user = await host.RegisterAsync();
        var client = host.CreateClient(user.AccessToken);
        var key = await (await client.PostAsJsonAsync("/v1/api-keys", new { name = "k" }, Cancellation)).Content.ReadFromJsonAsync<CreatedApiKey>(Cancellation);
        var withKey = host.CreateClient(key!.Key);

        foreach (var caller in new[] { client, withKey })
        {
            HttpResponseMessage[] responses =
            [
                await caller.GetAsync("/v1/admin/users", Cancellation),
                await caller.GetAsync($"/v1/admin/users/{admin.User.Id}", Cancellation),
                await caller.PatchAsJsonAsync($"/v1/admin/users/{user.User.Id}", new { role = "admin" }, Cancellation),
                await caller.PatchAsJsonAsync($"/v1/admin/users/{admin.User.Id}", new { disabled = true }, Cancellation),
                await caller.PostAsync($"/v1/admin/users/{admin.User.Id}/revoke-sessions", null, Cancellation),
                await caller.GetAsync("/v1/admin/audit", Cancellation),
            ];
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient().GetAsync("/v1/admin/users", Cancellation)).StatusCode);
        var me = await client.GetFromJsonAsync<UserInfo>("/v1/me", Cancellation);
        Assert.Equal("user", me!.Role);
        Assert.Equal(HttpStatusCode.OK, (await host.CreateClient(admin.AccessToken).GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(0, await host.CountAsync("admin_audit"));
    }

    [Fact]
    public async Task An_admin_cannot_disable_or_demote_themselves_and_the_last_admin_stays()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var admin = await host.RegisterAsync();
        var client = host.CreateClient(admin.AccessToken);

        var disable = await client.PatchAsJsonAsync($"/v1/admin/users/{admin.User.Id}", new { disabled = true }, Cancellation);
        var demote = await client.PatchAsJsonAsync($"/v1/admin/users/{admin.User.Id}", new { role = "user" }, Cancellation);
        var tier = await client.PatchAsJsonAsync($"/v1/admin/users/{admin.User.Id}", new { tier = "pro" }, Cancellation);

        Assert.Equal(HttpStatusCode.Conflict, disable.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, demote.StatusCode);
        Assert.Contains("their own account", await demote.Content.ReadAsStringAsync(Cancellation));
        Assert.Equal(HttpStatusCode.OK, tier.StatusCode);
        var self = await host.CreateClient((await SignInAsync(host, admin.User.Email)).AccessToken)
            .GetFromJsonAsync<AdminUser>($"/v1/admin/users/{admin.User.Id}", Cancellation);
        Assert.Equal(("admin", "pro", false), (self!.Role, self.Tier, self.Disabled));
    }

    [Fact]
    public async Task Disabling_a_user_refuses_their_access_token_refresh_token_api_key_and_sign_in_at_once()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var admin = host.CreateClient((await host.RegisterAsync()).AccessToken);
        var user = await host.RegisterAsync();
        var session = host.CreateClient(user.AccessToken);
        var key = await (await session.PostAsJsonAsync("/v1/api-keys", new { name = "ci" }, Cancellation)).Content.ReadFromJsonAsync<CreatedApiKey>(Cancellation);
        var other = await host.RegisterAsync();
        Assert.Equal(HttpStatusCode.OK, (await host.CreateClient(key!.Key).GetAsync("/v1/me", Cancellation)).StatusCode);

        var disable = await admin.PatchAsJsonAsync($"/v1/admin/users/{user.User.Id}", new { disabled = true }, Cancellation);

        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient(key.Key).GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(host, user.RefreshToken)).StatusCode);
        var signIn = await host.CreateClient().PostAsJsonAsync("/v1/auth/signin", new { email = user.User.Email, password = GatewayHost.Password }, Cancellation);
        Assert.Equal(HttpStatusCode.Forbidden, signIn.StatusCode);
        Assert.Contains("disabled", await signIn.Content.ReadAsStringAsync(Cancellation));
        // A token minted for the same user in a race with the disabling (another session id) is refused too.
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient(TestTokens.Mint(user.User.Id, session: Guid.NewGuid())).GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.CreateClient(other.AccessToken).GetAsync("/v1/me", Cancellation)).StatusCode);

        var enable = await admin.PatchAsJsonAsync($"/v1/admin/users/{user.User.Id}", new { disabled = false }, Cancellation);

        Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.CreateClient(key.Key).GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(host, user.RefreshToken)).StatusCode);
        var again = await SignInAsync(host, user.User.Email);
        Assert.Equal(HttpStatusCode.OK, (await host.CreateClient(again.AccessToken).GetAsync("/v1/me", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task A_role_change_signs_the_user_out_and_their_next_sign_in_carries_the_new_role()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var first = await host.RegisterAsync();
        var admin = host.CreateClient(first.AccessToken);
        var user = await host.RegisterAsync();

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/v1/admin/users/{user.User.Id}", new { role = "admin" }, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient(user.AccessToken).GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(host, user.RefreshToken)).StatusCode);
        var promoted = await SignInAsync(host, user.User.Email);
        Assert.Equal("admin", promoted.User.Role);
        var second = host.CreateClient(promoted.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/v1/admin/users", Cancellation)).StatusCode);

        // Two admins now: one may demote the other, and the demoted one's admin token stops at once.
        var demote = await second.PatchAsJsonAsync($"/v1/admin/users/{first.User.Id}", new { role = "user" }, Cancellation);

        Assert.Equal(HttpStatusCode.OK, demote.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.GetAsync("/v1/admin/users", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(host, first.RefreshToken)).StatusCode);
        var demoted = await SignInAsync(host, first.User.Email);
        Assert.Equal("user", demoted.User.Role);
        Assert.Equal(HttpStatusCode.Forbidden, (await host.CreateClient(demoted.AccessToken).GetAsync("/v1/admin/users", Cancellation)).StatusCode);
        // A token minted with role admin before the demotion cannot act on accounts: the gateway reads the role in PostgreSQL.
        var stale = host.CreateClient(TestTokens.Mint(first.User.Id, role: "admin"));
        Assert.Equal(HttpStatusCode.Forbidden, (await stale.PatchAsJsonAsync($"/v1/admin/users/{user.User.Id}", new { disabled = true }, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await second.PatchAsJsonAsync($"/v1/admin/users/{user.User.Id}", new { role = "user" }, Cancellation)).StatusCode);
    }

    [Fact]
    public async Task Revoking_sessions_signs_the_user_out_everywhere_but_keeps_their_api_keys()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var admin = host.CreateClient((await host.RegisterAsync()).AccessToken);
        var user = await host.RegisterAsync();
        var laptop = await SignInAsync(host, user.User.Email);
        var key = await (await host.CreateClient(user.AccessToken).PostAsJsonAsync("/v1/api-keys", new { name = "ci" }, Cancellation))
            .Content.ReadFromJsonAsync<CreatedApiKey>(Cancellation);

        var response = await admin.PostAsync($"/v1/admin/users/{user.User.Id}/revoke-sessions", null, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await response.Content.ReadFromJsonAsync<RevokedSessions>(Cancellation))!.Sessions);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient(user.AccessToken).GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient(laptop.AccessToken).GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(host, user.RefreshToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(host, laptop.RefreshToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.CreateClient(key!.Key).GetAsync("/v1/me", Cancellation)).StatusCode);
        var again = await SignInAsync(host, user.User.Email);
        Assert.Equal(HttpStatusCode.OK, (await host.CreateClient(again.AccessToken).GetAsync("/v1/me", Cancellation)).StatusCode);
    }

    [Theory]
    [InlineData("GET", "/v1/admin/users?role=root", null, "role")]
    [InlineData("GET", "/v1/admin/users?tier=gold", null, "tier")]
    [InlineData("GET", "/v1/admin/users?disabled=maybe", null, "disabled")]
    [InlineData("GET", "/v1/admin/users?cursor=nope", null, "cursor")]
    [InlineData("GET", "/v1/admin/users?limit=0", null, "limit")]
    [InlineData("GET", "/v1/admin/users?limit=201", null, "limit")]
    [InlineData("PATCH", "/v1/admin/users/{user}", "{}", "body")]
    [InlineData("PATCH", "/v1/admin/users/{user}", """{"role":"root"}""", "role")]
    [InlineData("PATCH", "/v1/admin/users/{user}", """{"tier":"gold"}""", "tier")]
    [InlineData("GET", "/v1/admin/audit?cursor=1", null, "cursor")]
    [InlineData("GET", "/v1/admin/audit?cursor=-1.2", null, "cursor")]
    [InlineData("GET", "/v1/admin/audit?limit=x", null, "limit")]
    public async Task Bad_input_answers_400_naming_the_field_and_changes_nothing(string method, string path, string? body, string field)
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var admin = host.CreateClient((await host.RegisterAsync()).AccessToken);
        var user = await host.RegisterAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{user}", user.User.Id.ToString(), StringComparison.Ordinal));
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        var response = await admin.SendAsync(request, Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>(Cancellation))!;
        Assert.NotNull(problem["errors"]![field]);
        Assert.Equal(0, await host.CountAsync("admin_audit"));
    }

    [Fact]
    public async Task A_malformed_patch_body_answers_400_not_500()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var admin = host.CreateClient((await host.RegisterAsync()).AccessToken);
        var user = await host.RegisterAsync();

        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/v1/admin/users/{user.User.Id}")
        {
            Content = new StringContent("""{"disabled":"yes"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        var response = await admin.SendAsync(request, Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>
    /// Path tricks a signed-in user might try to reach the accounts API or slip past the admin check: every variant is
    /// refused (never 2xx, never 500) and no answer carries an account.
    /// </summary>
    [Fact]
    public async Task A_user_cannot_reach_admin_users_through_any_path_trick()
    {
        // The real router behind the gateway: a path that slips into the forward must meet its own admin check.
        await using var router = await ModelRouterHost.StartAsync(postgres, redis);
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));
        var admin = await host.RegisterAsync();
        var user = await host.RegisterAsync();
        var client = host.CreateClient(user.AccessToken);
        string[] paths =
        [
            "/v1/admin/users", "/v1/admin/users/", "/V1/ADMIN/USERS", "/v1/Admin/Users?role=admin", "/v1/admin//users",
            "/v1//admin/users", "/v1/admin/./users", "/v1/admin/x/../users", "/v1/admin/%75sers", "/v1/admin/users%2F",
            "/v1/admin%2Fusers", "/v1%2Fadmin%2Fusers", $"/v1/admin/users/{admin.User.Id}", $"/v1/admin/users/{admin.User.Id}/",
            $"/v1/admin/users/{admin.User.Id.ToString().ToUpperInvariant()}", "/v1/admin/users;x=1",
            "/v1/me/../admin/users", "/v1/conversations/..%2F..%2Fadmin%2Fusers", "/v1/models/..%2Fadmin%2Fusers",
            "/v1/admin/audit", "/v1/admin/AUDIT", "/v1/admin/audit/",
        ];

        foreach (var path in paths)
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Patch, HttpMethod.Post })
            {
                using var request = new HttpRequestMessage(method, path);
                if (method != HttpMethod.Get)
                {
                    request.Content = JsonContent.Create(new { role = "admin", disabled = true });
                }
                var response = await client.SendAsync(request, Cancellation);
                var body = await response.Content.ReadAsStringAsync(Cancellation);

                // 502 only from the test's absent chat service, for the paths forwarded there.
                Assert.True(!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.InternalServerError,
                    $"{method} {path}: {(int)response.StatusCode}");
                Assert.DoesNotContain(admin.User.Email, body, StringComparison.OrdinalIgnoreCase);
            }
        }
        Assert.Equal("user", (await client.GetFromJsonAsync<UserInfo>("/v1/me", Cancellation))!.Role);
        Assert.Equal(0, await host.CountAsync("admin_audit"));
    }

    [Fact]
    public async Task With_redis_down_a_disabled_users_token_is_refused_from_postgresql()
    {
        await using var host = await GatewayHost.StartAsync(
            postgres, redis, Upstream.Settings(), redisConnectionString: $"127.0.0.1:{ForwardingApiTests.ClosedPort()}");
        var admin = host.CreateClient((await host.RegisterAsync()).AccessToken);
        var user = await host.RegisterAsync();
        var other = await host.RegisterAsync();
        Assert.Equal(HttpStatusCode.OK, (await host.CreateClient(user.AccessToken).GetAsync("/v1/me", Cancellation)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/v1/admin/users/{user.User.Id}", new { disabled = true }, Cancellation)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient(user.AccessToken).GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.CreateClient(other.AccessToken).GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Contains(host.Logs, line => line.Contains("revoked access tokens are checked in PostgreSQL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_admins_api_key_reads_the_console_but_cannot_change_accounts_or_revoke_sessions()
    {
        // Found by the fuzz suite (issue 18): a leaked key of an admin could disable anyone, make itself admins, or sign
        // every session out. Keys are for operators' tools that read; account changes need a signed-in admin.
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var adminTokens = await host.RegisterAsync();
        var admin = host.CreateClient(adminTokens.AccessToken);
        var user = await host.RegisterAsync();
        var created = await admin.PostAsJsonAsync("/v1/api-keys", new { name = "ops tool" }, Cancellation);
        var key = (await created.Content.ReadFromJsonAsync<CreatedApiKey>(Cancellation))!.Key;
        var tool = host.CreateClient(key);

        var read = await tool.GetAsync($"/v1/admin/users/{user.User.Id}", Cancellation);
        var patch = await tool.PatchAsJsonAsync($"/v1/admin/users/{user.User.Id}", new { disabled = true, role = "admin" }, Cancellation);
        var revoke = await tool.PostAsync($"/v1/admin/users/{user.User.Id}/revoke-sessions", null, Cancellation);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal([HttpStatusCode.Forbidden, HttpStatusCode.Forbidden], [patch.StatusCode, revoke.StatusCode]);
        Assert.Equal("application/problem+json", patch.Content.Headers.ContentType?.MediaType);
        var after = await admin.GetFromJsonAsync<AdminUser>($"/v1/admin/users/{user.User.Id}", Cancellation);
        Assert.Equal(("user", false), (after!.Role, after.Disabled));
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(host, user.RefreshToken)).StatusCode);
        Assert.Equal(0, await host.CountAsync("admin_audit"));
    }

    private static async Task<List<JsonNode>> ListAsync(HttpClient admin, string query)
    {
        var page = (await admin.GetFromJsonAsync<JsonObject>("/v1/admin/users" + query, Cancellation))!;
        return [.. page["items"]!.AsArray().Select(u => u!)];
    }

    private static Task<HttpResponseMessage> RefreshAsync(GatewayHost host, string refreshToken) =>
        host.CreateClient().PostAsJsonAsync("/v1/auth/refresh", new { refreshToken }, Cancellation);

    private static async Task<AuthTokens> SignInAsync(GatewayHost host, string email)
    {
        var response = await host.CreateClient().PostAsJsonAsync("/v1/auth/signin", new { email, password = GatewayHost.Password }, Cancellation);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<AuthTokens>(Cancellation))!;
    }
}
