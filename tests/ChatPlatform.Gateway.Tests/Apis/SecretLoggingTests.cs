using System.Net.Http.Json;
using ChatPlatform.Gateway.Model;
using ChatPlatform.Testing;

namespace ChatPlatform.Gateway.Tests.Apis;

public sealed class SecretLoggingTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task No_password_token_key_or_signing_key_reaches_the_logs_even_at_trace_level()
    {
        await using var host = await GatewayHost.StartAsync(postgres, redis, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:Npgsql"] = "Trace",
        });
        var email = GatewayHost.NewEmail();
        var tokens = await host.RegisterAsync(email);
        var client = host.CreateClient();
        const string wrongPassword = "Wrong-password-that-is-secret";
        await client.PostAsJsonAsync("/v1/auth/signin", new { email, password = wrongPassword }, Cancellation);
        var signedIn = await (await client.PostAsJsonAsync("/v1/auth/signin", new { email, password = GatewayHost.Password }, Cancellation))
            .Content.ReadFromJsonAsync<AuthTokens>(Cancellation);
        var refreshed = await (await client.PostAsJsonAsync("/v1/auth/refresh", new { refreshToken = signedIn!.RefreshToken }, Cancellation))
            .Content.ReadFromJsonAsync<AuthTokens>(Cancellation);
        await client.PostAsJsonAsync("/v1/auth/refresh", new { refreshToken = signedIn.RefreshToken }, Cancellation);
        var key = await (await host.CreateClient(tokens.AccessToken).PostAsJsonAsync("/v1/api-keys", new { name = "k" }, Cancellation))
            .Content.ReadFromJsonAsync<CreatedApiKey>(Cancellation);
        await host.CreateClient(key!.Key).GetAsync("/v1/me", Cancellation);
        await host.CreateClient(key.Key + "x").GetAsync("/v1/me", Cancellation);
        await host.CreateClient(tokens.AccessToken + "x").GetAsync("/v1/me", Cancellation);

        var logs = string.Join('\n', host.Logs);

        Assert.NotEmpty(host.Logs);
        string[] secrets =
        [
            GatewayHost.Password, wrongPassword, tokens.AccessToken, tokens.RefreshToken, signedIn.RefreshToken,
            refreshed!.RefreshToken, key.Key, Convert.ToBase64String(GatewayHost.SigningKey),
            tokens.AccessToken.Split('.')[2],
        ];
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
    }
}
