using System.Net;
using System.Net.Http.Json;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Testing;

namespace ChatPlatform.Gateway.Tests.Apis;

public sealed class SessionsApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private const string WebClientKey = "test-web-client-key-of-at-least-32-characters";
    private const string Firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    private const string IPhone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sessions_list_the_device_address_and_times_and_mark_the_current_one()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis, new Dictionary<string, string?> { ["Auth:WebClientKey"] = WebClientKey });
        var email = GatewayHost.NewEmail();
        await host.RegisterAsync(email);
        var direct = host.CreateClient();
        direct.DefaultRequestHeaders.UserAgent.ParseAdd(Firefox);
        var laptop = await SettingsApiTests.SignInAsync(host, email, GatewayHost.Password, direct);
        // Through the web app: the browser's User-Agent and address, vouched for by the web app's key.
        var web = host.CreateClient();
        web.DefaultRequestHeaders.Add("X-Web-Client-Key", WebClientKey);
        web.DefaultRequestHeaders.Add("X-Web-Client-Address", "203.0.113.7");
        web.DefaultRequestHeaders.Add("X-Web-Client-User-Agent", IPhone);
        var phone = await SettingsApiTests.SignInAsync(host, email, GatewayHost.Password, web);

        var sessions = await host.CreateClient(phone.AccessToken).GetFromJsonAsync<SessionInfo[]>("/v1/me/sessions", Cancellation);

        Assert.Equal(3, sessions!.Length);
        var current = Assert.Single(sessions, s => s.Current);
        Assert.Equal(("Safari on iPhone", IPhone, "203.0.113.7"), (current.Device, current.UserAgent, current.Address));
        Assert.Contains(sessions, s => !s.Current && s.Device == "Firefox on Linux" && s.UserAgent == Firefox);
        Assert.All(sessions, s => Assert.True(s.LastSeenAt >= s.CreatedAt));

        // A refresh shows as the session's last sighting; the session keeps its id and creation time.
        var before = Assert.Single(sessions, s => s.Device == "Firefox on Linux");
        (await host.CreateClient().PostAsJsonAsync("/v1/auth/refresh", new { refreshToken = laptop.RefreshToken }, Cancellation)).EnsureSuccessStatusCode();
        var after = Assert.Single((await host.CreateClient(phone.AccessToken).GetFromJsonAsync<SessionInfo[]>("/v1/me/sessions", Cancellation))!,
            s => s.Id == before.Id);
        Assert.Equal(before.CreatedAt, after.CreatedAt);
        Assert.True(after.LastSeenAt > before.LastSeenAt);
    }

    [Fact]
    public async Task Signing_out_one_session_ends_its_tokens_at_once_and_only_its()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        var here = await host.RegisterAsync(email);
        var there = await SettingsApiTests.SignInAsync(host, email, GatewayHost.Password);
        var client = host.CreateClient(here.AccessToken);
        var target = Assert.Single((await client.GetFromJsonAsync<SessionInfo[]>("/v1/me/sessions", Cancellation))!, s => !s.Current);

        var response = await client.DeleteAsync($"/v1/me/sessions/{target.Id}", Cancellation);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient(there.AccessToken).GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await host.CreateClient().PostAsJsonAsync("/v1/auth/refresh", new { refreshToken = there.RefreshToken }, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Single((await client.GetFromJsonAsync<SessionInfo[]>("/v1/me/sessions", Cancellation))!);
        // Gone now: a second sign-out finds nothing.
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/v1/me/sessions/{target.Id}", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task Another_users_session_answers_404_and_stays_signed_in()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var victim = await host.RegisterAsync();
        var intruder = host.CreateClient((await host.RegisterAsync()).AccessToken);
        var victimSession = Assert.Single((await host.CreateClient(victim.AccessToken).GetFromJsonAsync<SessionInfo[]>("/v1/me/sessions", Cancellation))!);

        var response = await intruder.DeleteAsync($"/v1/me/sessions/{victimSession.Id}", Cancellation);
        var listed = await intruder.GetFromJsonAsync<SessionInfo[]>("/v1/me/sessions", Cancellation);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain(listed!, s => s.Id == victimSession.Id);
        Assert.Equal(HttpStatusCode.OK, (await host.CreateClient(victim.AccessToken).GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK,
            (await host.CreateClient().PostAsJsonAsync("/v1/auth/refresh", new { refreshToken = victim.RefreshToken }, Cancellation)).StatusCode);
    }

    [Fact]
    public async Task Revoking_the_others_keeps_only_this_session()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        var here = await host.RegisterAsync(email);
        var others = new[]
        {
            await SettingsApiTests.SignInAsync(host, email, GatewayHost.Password),
            await SettingsApiTests.SignInAsync(host, email, GatewayHost.Password),
        };
        var client = host.CreateClient(here.AccessToken);

        var response = await client.PostAsync("/v1/me/sessions/revoke-others", null, Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await response.Content.ReadFromJsonAsync<RevokedSessionsCount>(Cancellation))!.Revoked);
        Assert.True(Assert.Single((await client.GetFromJsonAsync<SessionInfo[]>("/v1/me/sessions", Cancellation))!).Current);
        foreach (var other in others)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient(other.AccessToken).GetAsync("/v1/me", Cancellation)).StatusCode);
        }
    }

    [Fact]
    public async Task An_api_key_cannot_list_or_sign_out_sessions()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var tokens = await host.RegisterAsync();
        var session = host.CreateClient(tokens.AccessToken);
        var key = await (await session.PostAsJsonAsync("/v1/api-keys", new { name = "k" }, Cancellation)).Content.ReadFromJsonAsync<CreatedApiKey>(Cancellation);
        var withKey = host.CreateClient(key!.Key);
        var mine = Assert.Single((await session.GetFromJsonAsync<SessionInfo[]>("/v1/me/sessions", Cancellation))!);

        HttpResponseMessage[] responses =
        [
            await withKey.GetAsync("/v1/me/sessions", Cancellation),
            await withKey.DeleteAsync($"/v1/me/sessions/{mine.Id}", Cancellation),
            await withKey.PostAsync("/v1/me/sessions/revoke-others", null, Cancellation),
        ];

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient().GetAsync("/v1/me/sessions", Cancellation)).StatusCode);
    }
}
