using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Gateway.Tests.Fakes;
using ChatPlatform.Testing;

namespace ChatPlatform.Gateway.Tests.Apis;

public sealed class SettingsApiTests(PostgresFixture postgres, RedisFixture redis)
{
    private const string NewPassword = "another-Horse-staple-9";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Settings_start_at_the_defaults_and_keep_what_was_saved()
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));
        var client = host.CreateClient((await host.RegisterAsync()).AccessToken);

        var initial = await client.GetFromJsonAsync<UserSettings>("/v1/me/settings", Cancellation);
        var put = await client.PutAsJsonAsync("/v1/me/settings",
            new { defaultModel = FakeModelRouter.Model, theme = "dark", enterToSend = false, systemPrompt = "Answer in French." }, Cancellation);
        var named = await client.PatchAsJsonAsync("/v1/me", new { displayName = "  Ada Lovelace " }, Cancellation);
        var saved = await client.GetFromJsonAsync<UserSettings>("/v1/me/settings", Cancellation);

        Assert.Equal(UserSettings.Defaults, initial);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        Assert.Equal(new UserSettings("Ada Lovelace", FakeModelRouter.Model, "dark", false, "Answer in French."), saved);
        Assert.Contains(router.Calls, c => c.Path == $"/v1/models/{FakeModelRouter.Model}");

        // Saving the preferences again keeps the name; an empty name clears it.
        await client.PutAsJsonAsync("/v1/me/settings", new { theme = "light" }, Cancellation);
        Assert.Equal(new UserSettings("Ada Lovelace", null, "light", true, null), await client.GetFromJsonAsync<UserSettings>("/v1/me/settings", Cancellation));
        await client.PatchAsJsonAsync("/v1/me", new { displayName = "" }, Cancellation);
        Assert.Null((await client.GetFromJsonAsync<UserSettings>("/v1/me/settings", Cancellation))!.DisplayName);
    }

    [Fact]
    public async Task Each_user_reads_and_writes_only_their_own_settings()
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));
        var owner = host.CreateClient((await host.RegisterAsync()).AccessToken);
        var other = host.CreateClient((await host.RegisterAsync()).AccessToken);

        await owner.PutAsJsonAsync("/v1/me/settings", new { theme = "dark", systemPrompt = "secret prompt" }, Cancellation);
        await owner.PatchAsJsonAsync("/v1/me", new { displayName = "Owner" }, Cancellation);

        Assert.Equal(UserSettings.Defaults, await other.GetFromJsonAsync<UserSettings>("/v1/me/settings", Cancellation));
        await other.PutAsJsonAsync("/v1/me/settings", new { theme = "light" }, Cancellation);
        Assert.Equal(new UserSettings("Owner", null, "dark", true, "secret prompt"), await owner.GetFromJsonAsync<UserSettings>("/v1/me/settings", Cancellation));
    }

    [Theory]
    [InlineData("""{"theme":"purple"}""", "theme")]
    [InlineData("""{"defaultModel":"no-such-model"}""", "defaultModel")]
    [InlineData("""{"systemPrompt":"a\u0000b"}""", "systemPrompt")]
    [InlineData("""{"enterToSend":"yes"}""", null)]
    public async Task Invalid_settings_answer_400_and_change_nothing(string body, string? field)
    {
        await using var router = await FakeModelRouter.StartAsync();
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings(modelRouter: router.Address));
        var client = host.CreateClient((await host.RegisterAsync()).AccessToken);

        var response = await client.PutAsync("/v1/me/settings", Json(body), Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field is not null)
        {
            Assert.Contains(field, await response.Content.ReadAsStringAsync(Cancellation));
        }
        Assert.Equal(0, await host.CountAsync("user_settings"));
    }

    [Fact]
    public async Task A_too_long_system_prompt_or_name_is_a_400()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var client = host.CreateClient((await host.RegisterAsync()).AccessToken);

        var prompt = await client.PutAsJsonAsync("/v1/me/settings", new { systemPrompt = new string('x', 100_001) }, Cancellation);
        var name = await client.PatchAsJsonAsync("/v1/me", new { displayName = new string('n', 101) }, Cancellation);
        var control = await client.PatchAsJsonAsync("/v1/me", new { displayName = "tab\there" }, Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, prompt.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, name.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, control.StatusCode);
        Assert.Equal(0, await host.CountAsync("user_settings"));
    }

    [Fact]
    public async Task A_default_model_that_cannot_be_checked_is_a_503_and_changes_nothing()
    {
        // No model router answers at the default upstream address.
        await using var host = await GatewayHost.StartAsync(postgres, redis, Upstream.Settings());
        var client = host.CreateClient((await host.RegisterAsync()).AccessToken);

        var response = await client.PutAsJsonAsync("/v1/me/settings", new { defaultModel = "sim-fast" }, Cancellation);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(0, await host.CountAsync("user_settings"));
    }

    [Fact]
    public async Task An_api_key_cannot_read_or_change_settings_profile_or_password()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var session = host.CreateClient((await host.RegisterAsync()).AccessToken);
        var key = await (await session.PostAsJsonAsync("/v1/api-keys", new { name = "k" }, Cancellation))
            .Content.ReadFromJsonAsync<CreatedApiKey>(Cancellation);
        var withKey = host.CreateClient(key!.Key);

        HttpResponseMessage[] responses =
        [
            await withKey.GetAsync("/v1/me/settings", Cancellation),
            await withKey.PutAsJsonAsync("/v1/me/settings", new { theme = "dark" }, Cancellation),
            await withKey.PatchAsJsonAsync("/v1/me", new { displayName = "Mallory" }, Cancellation),
            await withKey.PostAsJsonAsync("/v1/me/password", new { currentPassword = GatewayHost.Password, newPassword = NewPassword }, Cancellation),
        ];

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Equal(0, await host.CountAsync("user_settings"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient().GetAsync("/v1/me/settings", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task Changing_the_password_keeps_this_session_and_signs_out_the_others()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        var here = await host.RegisterAsync(email);
        var elsewhere = await SignInAsync(host, email, GatewayHost.Password);
        var client = host.CreateClient(here.AccessToken);

        var response = await client.PostAsJsonAsync("/v1/me/password",
            new { currentPassword = GatewayHost.Password, newPassword = NewPassword }, Cancellation);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        // This session goes on: its access token and its refresh token.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Refresh(host, here.RefreshToken)).StatusCode);
        // The other is over at once: its access token is denied and its refresh token revoked.
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient(elsewhere.AccessToken).GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Refresh(host, elsewhere.RefreshToken)).StatusCode);
        // The old password no longer signs in; the new one does.
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignIn(host, email, GatewayHost.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignIn(host, email, NewPassword)).StatusCode);
        // Neither password reaches the logs, though the change is logged.
        Assert.Contains(host.Logs, line => line.Contains("other sessions signed out", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs, line => line.Contains(NewPassword, StringComparison.Ordinal) || line.Contains(GatewayHost.Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_wrong_current_password_is_a_403_and_changes_nothing()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        var here = await host.RegisterAsync(email);
        var elsewhere = await SignInAsync(host, email, GatewayHost.Password);

        var response = await host.CreateClient(here.AccessToken).PostAsJsonAsync("/v1/me/password",
            new { currentPassword = "not-the-Password-1", newPassword = NewPassword }, Cancellation);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.CreateClient(elsewhere.AccessToken).GetAsync("/v1/me", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignIn(host, email, GatewayHost.Password)).StatusCode);
    }

    [Theory]
    [InlineData("""{"newPassword":"another-Horse-staple-9"}""", "currentPassword")]
    [InlineData("""{"currentPassword":"correct-Horse-battery","newPassword":"short"}""", "newPassword")]
    [InlineData("""{"currentPassword":"correct-Horse-battery"}""", "newPassword")]
    public async Task A_password_change_without_both_passwords_or_with_a_weak_one_is_a_400(string body, string field)
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        var client = host.CreateClient((await host.RegisterAsync(email)).AccessToken);

        var response = await client.PostAsync("/v1/me/password", Json(body), Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(HttpStatusCode.OK, (await SignIn(host, email, GatewayHost.Password)).StatusCode);
    }

    internal static async Task<AuthTokens> SignInAsync(GatewayHost host, string email, string password, HttpClient? client = null)
    {
        var response = await SignIn(host, email, password, client);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<AuthTokens>(Cancellation))!;
    }

    private static Task<HttpResponseMessage> SignIn(GatewayHost host, string email, string password, HttpClient? client = null) =>
        (client ?? host.CreateClient()).PostAsJsonAsync("/v1/auth/signin", new { email, password }, Cancellation);

    private static Task<HttpResponseMessage> Refresh(GatewayHost host, string refreshToken) =>
        host.CreateClient().PostAsJsonAsync("/v1/auth/refresh", new { refreshToken }, Cancellation);

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");
}
