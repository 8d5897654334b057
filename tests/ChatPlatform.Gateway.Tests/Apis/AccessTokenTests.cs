using System.Net;
using System.Net.Http.Json;
using System.Text;
using ChatPlatform.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ChatPlatform.Gateway.Tests.Apis;

public sealed class AccessTokenTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Me_without_a_token_answers_401()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);

        var response = await host.CreateClient().GetAsync("/v1/me", Cancellation);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task An_expired_token_answers_401()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var user = (await host.RegisterAsync()).User;
        var now = DateTime.UtcNow;

        var token = Mint(user.Id, issuedAt: now.AddMinutes(-20), expires: now.AddMinutes(-5));

        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(host, token));
        // The same claims, still valid, pass: the failure above is the expiry alone.
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(host, Mint(user.Id)));
    }

    [Fact]
    public async Task A_token_with_a_tampered_signature_answers_401()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var token = (await host.RegisterAsync()).AccessToken;
        var parts = token.Split('.');
        var signature = parts[2].ToCharArray();
        signature[0] = signature[0] == 'A' ? 'B' : 'A';

        var tampered = $"{parts[0]}.{parts[1]}.{new string(signature)}";

        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(host, tampered));
    }

    [Fact]
    public async Task A_token_with_a_changed_payload_answers_401()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var tokens = await host.RegisterAsync();
        var parts = tokens.AccessToken.Split('.');
        var payload = Base64UrlEncoder.Decode(parts[1]).Replace("\"role\":\"admin\"", "\"role\":\"user\"").Replace("\"tier\":\"free\"", "\"tier\":\"pro\"");

        var forged = $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";

        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(host, forged));
    }

    [Fact]
    public async Task An_unsigned_alg_none_token_answers_401()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var user = (await host.RegisterAsync()).User;
        var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        var payload = Base64UrlEncoder.Encode(
            $$"""{"sub":"{{user.Id}}","email":"{{user.Email}}","role":"admin","tier":"pro","iss":"chatplatform","aud":"chatplatform","exp":{{exp}}}""");

        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(host, $"{header}.{payload}."));
    }

    [Fact]
    public async Task A_token_signed_with_another_algorithm_answers_401()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var user = (await host.RegisterAsync()).User;

        var token = Mint(user.Id, algorithm: SecurityAlgorithms.HmacSha512, key: [.. GatewayHost.SigningKey, .. GatewayHost.SigningKey]);

        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(host, token));
    }

    [Fact]
    public async Task A_token_for_another_audience_or_issuer_answers_401()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var user = (await host.RegisterAsync()).User;

        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(host, Mint(user.Id, audience: "someone-else")));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(host, Mint(user.Id, issuer: "someone-else")));
    }

    [Fact]
    public async Task A_token_signed_with_another_key_answers_401()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var user = (await host.RegisterAsync()).User;

        var token = Mint(user.Id, key: [.. Enumerable.Repeat((byte)7, 32)]);

        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(host, token));
    }

    [Fact]
    public async Task In_development_a_missing_signing_key_is_generated_with_a_warning()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis, new Dictionary<string, string?> { ["Auth:SigningKey"] = "" });

        var tokens = await host.RegisterAsync();

        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(host, tokens.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(host, Mint(tokens.User.Id)));
        Assert.Contains(host.Logs, line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains("Auth:SigningKey", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Outside_development_a_missing_signing_key_stops_start_up()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis, new Dictionary<string, string?> { ["Auth:SigningKey"] = "" });
        using var production = host.WithWebHostBuilder(builder => builder.UseEnvironment("Production"));

        var error = StartUpFailure.Of(production);

        Assert.Contains("Auth:SigningKey", error.Message);
    }

    [Fact]
    public async Task A_signing_key_shorter_than_32_bytes_stops_start_up()
    {
        await using var host = await GatewayHost.StartAsync(
            postgres, redis, new Dictionary<string, string?> { ["Auth:SigningKey"] = Convert.ToBase64String(new byte[16]) });

        var error = StartUpFailure.Of(host);

        Assert.Contains("at least 32 bytes", error.Message);
    }

    [Fact]
    public async Task Signing_out_revokes_every_access_token_of_that_session_at_once_and_no_other()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var email = GatewayHost.NewEmail();
        var first = await host.RegisterAsync(email);
        var refreshed = await PostAuthAsync<Gateway.Model.AuthTokens>(host, "/v1/auth/refresh", new { refreshToken = first.RefreshToken });
        var otherSession = await PostAuthAsync<Gateway.Model.AuthTokens>(host, "/v1/auth/signin", new { email, password = GatewayHost.Password });
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(host, first.AccessToken));

        var signOut = await host.CreateClient().PostAsJsonAsync("/v1/auth/signout", new { refreshToken = refreshed!.RefreshToken }, Cancellation);

        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(host, first.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(host, refreshed.AccessToken));
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(host, otherSession!.AccessToken));
    }

    [Fact]
    public async Task A_reused_refresh_token_revokes_its_sessions_access_tokens()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis);
        var first = await host.RegisterAsync();
        var refreshed = await PostAuthAsync<Gateway.Model.AuthTokens>(host, "/v1/auth/refresh", new { refreshToken = first.RefreshToken });

        var reuse = await host.CreateClient().PostAsJsonAsync("/v1/auth/refresh", new { refreshToken = first.RefreshToken }, Cancellation);

        Assert.Equal(HttpStatusCode.Unauthorized, reuse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(host, refreshed!.AccessToken));
    }

    [Fact]
    public async Task With_redis_down_access_tokens_are_checked_in_postgresql_and_a_warning_is_logged()
    {
        await using var host = await GatewayHost.StartAsync(
            postgres, redis, Upstream.Settings(), redisConnectionString: $"127.0.0.1:{ForwardingApiTests.ClosedPort()}");
        var userId = Guid.NewGuid();
        var client = host.CreateClient(TestTokens.Mint(userId, session: Guid.NewGuid()));

        // The admin-only route answers 403 to an authenticated user: authentication passed without Redis.
        var response = await client.GetAsync("/v1/admin/deployments", Cancellation);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(host.Logs, line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains("revoked access tokens are checked in PostgreSQL", StringComparison.Ordinal));
    }

    private static async Task<T?> PostAuthAsync<T>(GatewayHost host, string path, object body)
    {
        var response = await host.CreateClient().PostAsJsonAsync(path, body, Cancellation);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<T>(Cancellation);
    }

    private static async Task<HttpStatusCode> MeStatusAsync(GatewayHost host, string token) =>
        (await host.CreateClient(token).GetAsync("/v1/me", Cancellation)).StatusCode;

    private static string Mint(
        Guid userId, DateTime? issuedAt = null, DateTime? expires = null, string audience = "chatplatform", string issuer = "chatplatform",
        string algorithm = SecurityAlgorithms.HmacSha256, byte[]? key = null) =>
        TestTokens.Mint(userId, issuedAt, expires, audience, issuer, algorithm, key);
}
